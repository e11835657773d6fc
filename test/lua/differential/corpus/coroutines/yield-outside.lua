-- Yielding outside a coroutine fails; running() outside a coroutine is nil in Lua 5.1.
print(pcall(function() coroutine.yield(1) end))
print(coroutine.running())
local co = coroutine.create(function() return coroutine.running() == nil end)
print(coroutine.resume(co))
