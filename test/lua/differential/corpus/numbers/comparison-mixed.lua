-- Numbers and strings do not compare with < (no coercion); == is false across types.
print(1 < 2, 1.5 < 1, -1 < -0.5, 1 == "1")
print(pcall(function() return 1 < "2" end))
print(pcall(function() return "1" < 2 end))
print(pcall(function() return {} < {} end))
print(pcall(function() return nil < 1 end))
print(pcall(function() return true >= false end))
