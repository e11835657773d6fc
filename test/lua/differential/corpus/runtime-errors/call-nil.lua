-- Calling nil: global, local, field, method, upvalue.
local function try(f) local ok, e = pcall(f) print(e) end
try(function() undefined_function() end)
try(function() local f = nil f() end)
try(function() local t = {} t.method() end)
try(function() local t = {} t:method() end)
local up
try(function() up() end)
try(function() local t = { x = 1 } t.x() end)
try(function() ("str")() end)
