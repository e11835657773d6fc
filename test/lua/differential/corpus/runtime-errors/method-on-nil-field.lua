-- Method calls on missing objects and missing methods.
local function try(f) local ok, e = pcall(f) print(e) end
local obj = { inner = {} }
try(function() obj.missing:call() end)
try(function() obj.inner:missing() end)
try(function() obj:nothing() end)
try(function() local s = 5 s:foo() end)
