-- A format with many conversions at once.
local s = string.format("%s:%d:%5.2f:%x:%q:%c:%g:%%", "k", 7, 2.5, 254, "q\n", 33, 1e20)
print(s)
print(#s)
print(string.format("%-8s|%8s|", "left", "right"))
print(string.format("%3d|%-3d|%03d", 1000, 1000, 1000))
