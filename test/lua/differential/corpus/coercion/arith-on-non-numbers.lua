-- Arithmetic errors name the kind of value and, where LuaJIT knows it, the variable.
local t, s, b = {}, "x", true
print(pcall(function() return t + 1 end))
print(pcall(function() return 1 - s end))
print(pcall(function() return b * 2 end))
print(pcall(function() return -t end))
print(pcall(function() return nil % 2 end))
print(pcall(function() return undefinedglobal ^ 2 end))
