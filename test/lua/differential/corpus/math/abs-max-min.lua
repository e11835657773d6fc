-- abs, max and min.
print(math.abs(-3), math.abs(3), math.abs(-0), math.abs(-1/0), math.abs(-2.5))
print(math.max(1, 5, 3), math.max(-1), math.min(4, 2, 8), math.min(1.5, -1.5))
print(math.max(1, 2.5, "3"), math.min("10", 9))
print(pcall(function() local r = math.max() return r end))
print(pcall(function() local r = math.min(1, "x") return r end))
