-- Resuming a dead coroutine fails with a message, not an error.
local co = coroutine.create(function() return 1 end)
print(coroutine.resume(co))
print(coroutine.resume(co))
print(coroutine.status(co))
local co2 = coroutine.create(function() error("oops") end)
print(coroutine.resume(co2))
print(coroutine.status(co2), coroutine.resume(co2))
