-- string.sub with every kind of index.
local s = "abcdef"
print(s:sub(2), s:sub(2, 4), s:sub(-3), s:sub(-3, -2), s:sub(0), s:sub(1, 0))
print(s:sub(4, 100), s:sub(-100, 2), s:sub(7), s:sub(3, 2), s:sub(-1, -1))
print(s:sub(2.0, 3), s:sub("2", "3"), ("x"):sub(1, -1), (""):sub(1, 1) == "")
print(pcall(function() local r = s:sub() return r end))
print(pcall(function() local r = s:sub("a") return r end))
