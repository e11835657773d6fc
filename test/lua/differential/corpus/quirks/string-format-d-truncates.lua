-- LuaJIT 2.1 formats non-integral numbers with %d by truncating (Lua 5.3 would raise an error).
print(string.format("%d %d %d %d", 3.9, -3.9, 0.5, -0.5))
print(string.format("%5d|%-5d|%05d", 2.7, 2.7, -2.7))
print(string.format("%i", 1e10 + 0.5))
