-- A running coroutine cannot resume itself; non-coroutines cannot be resumed or queried.
local co
co = coroutine.create(function() return coroutine.resume(co) end)
print(coroutine.resume(co))
print(pcall(function() local r = coroutine.resume(42) return r end))
print(pcall(function() local r = coroutine.create(42) return r end))
print(pcall(function() local r = coroutine.status(nil) return r end))
print(pcall(function() local r = coroutine.wrap("f") return r end))
