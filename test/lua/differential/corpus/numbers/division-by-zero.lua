-- Division by zero yields inf, -inf or nan, never an error.
print(1 / 0, -1 / 0, 0 / 0, 1 / -0)
print(pcall(function() return 1 / 0 end))
local z = 0
print(5 / z, -5 / z, z / z)
