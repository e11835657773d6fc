-- Arithmetic on tables, booleans, nil and non-numeric strings.
local function try(f) local ok, e = pcall(f) print(e) end
try(function() local t = {} return t + 1 end)
try(function() local t = {} return 1 + t end)
try(function() local b = true return b * 2 end)
try(function() local n return n - 1 end)
try(function() return glob / 2 end)
try(function() local t = { f = {} } return t.f % 2 end)
try(function() local s = "abc" return s + 1 end)
try(function() return {} ^ 2 end)
