-- Errors on upvalues name them as upvalues.
local cfg
local count = "x"
local function try(f) local ok, e = pcall(f) print(e) end
try(function() return cfg.a end)
try(function() return count + 1 end)
try(function() return cfg() end)
try(function() return #cfg end)
