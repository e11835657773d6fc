-- Unary minus converts numeric strings; the result is a number.
print(-"2", -"0x10", -" 3 ", type(-"1"))
print(pcall(function() return -"abc" end))
print(- -"5")
