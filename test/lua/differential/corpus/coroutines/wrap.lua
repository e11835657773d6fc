-- wrap returns a function; errors propagate to the caller.
local gen = coroutine.wrap(function(n) for i = 1, n do coroutine.yield(i) end return "end" end)
print(gen(3), gen(), gen(), gen())
print(pcall(gen))
local bad = coroutine.wrap(function() error("inside wrap") end)
print(pcall(bad))
local bad2 = coroutine.wrap(function() error({ code = 1 }) end)
local ok, e = pcall(bad2)
print(ok, type(e), e.code)
