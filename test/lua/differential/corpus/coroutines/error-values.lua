-- Errors inside a coroutine: positions, non-string values, level 0.
local co = coroutine.create(function() local t = nil return t.x end)
print(coroutine.resume(co))
local co2 = coroutine.create(function() error({ 1, 2 }) end)
local ok, e = coroutine.resume(co2)
print(ok, type(e), #e)
local co3 = coroutine.create(function() error("plain", 0) end)
print(coroutine.resume(co3))
