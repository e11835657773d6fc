-- string.byte with default, negative and out-of-range positions.
local s = "hello"
print(s:byte(), s:byte(1), s:byte(-1), s:byte(2, 4))
print(s:byte(10), s:byte(0), s:byte(-10, 2), s:byte(3, 2))
print(select("#", s:byte(1, -1)), select("#", (""):byte()))
print(string.byte("\0\255\128"), string.byte("\0\255\128", 2, 3))
print(s:byte(1.9), s:byte("2"))
