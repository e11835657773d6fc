-- Comparison errors name both types.
local function try(f) local ok, e = pcall(f) print(e) end
try(function() return 1 < "2" end)
try(function() return {} < {} end)
try(function() return nil > 1 end)
try(function() return "a" <= {} end)
try(function() return true < false end)
try(function() return print < print end)
