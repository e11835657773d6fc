-- Calling a finished wrap function is an error.
local f = coroutine.wrap(function() return "only" end)
print(f())
print(pcall(f))
