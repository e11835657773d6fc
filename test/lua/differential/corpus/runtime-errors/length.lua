-- # on values without a length.
local function try(f) local ok, e = pcall(f) print(e) end
try(function() local n = 5 return #n end)
try(function() local x return #x end)
try(function() return #undefined_thing end)
try(function() local t = {} return #t.field end)
try(function() local b = true return #b end)
