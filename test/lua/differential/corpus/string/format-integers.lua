-- %d %i with flags, width and precision; floats with an integer value are accepted.
print(string.format("%d|%5d|%-5d|%05d|%+d|% d", 42, 42, 42, 42, 42, 42))
print(string.format("%i|%.3d|%8.3d|%-+6d|", -7, 7, 7, 7))
print(string.format("%d %d %d", 0, -0, 3.0))
print(string.format("%d", 2^31), string.format("%d", -2^31), string.format("%d", 2^53))
print(string.format("%d", "12"), string.format("%d", " 0x10 "))
