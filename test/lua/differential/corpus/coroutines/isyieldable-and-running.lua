-- coroutine.running inside a coroutine returns it.
local co
co = coroutine.create(function() return coroutine.running() == co, type(coroutine.running()) end)
print(coroutine.resume(co))
print(type(co), coroutine.status(co))
