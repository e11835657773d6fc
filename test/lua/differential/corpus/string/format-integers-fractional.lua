-- LuaJIT 2.1 truncates non-integral numbers for %d and %x instead of failing.
print(string.format("%d", 1.5), string.format("%d", -1.5), string.format("%d", 2.999))
print(string.format("%x", 255.9), string.format("%5.1d", 3.7))
