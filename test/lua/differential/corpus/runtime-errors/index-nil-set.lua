-- Assigning into nil values.
local function try(f) local ok, e = pcall(f) print(e) end
try(function() local cfg = nil cfg.host = 1 end)
try(function() undefined_global.x = 1 end)
try(function() local t = {} t.a.b = 1 end)
local up
try(function() up[1] = 1 end)
