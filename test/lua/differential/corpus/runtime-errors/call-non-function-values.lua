-- Calling numbers, strings, booleans and tables without __call.
local function try(f) local ok, e = pcall(f) print(e) end
try(function() local n = 1 n() end)
try(function() local t = {} t() end)
try(function() local b = false b() end)
try(function() local t = { 1 } t[1]() end)
