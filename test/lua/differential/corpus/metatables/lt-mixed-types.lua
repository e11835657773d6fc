-- Comparing values of different types never calls __lt.
local t = setmetatable({}, { __lt = function() return true end, __le = function() return true end })
print(pcall(function() return t < 1 end))
print(pcall(function() return "a" <= t end))
print(t < t, t <= t)
