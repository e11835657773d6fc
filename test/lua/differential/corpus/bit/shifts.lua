-- lshift, rshift (logical), arshift (arithmetic); shift counts use the low 5 bits.
print(bit.lshift(1, 0), bit.lshift(1, 4), bit.lshift(1, 31), bit.lshift(1, 32), bit.lshift(1, 33))
print(bit.rshift(256, 4), bit.rshift(-1, 28), bit.rshift(-1, 0), bit.rshift(0x80000000, 31))
print(bit.arshift(-256, 4), bit.arshift(-1, 31), bit.arshift(0x7fffffff, 30), bit.arshift(0x80000000, 1))
print(bit.lshift(0xff, -1), bit.rshift(0xff, 36), bit.lshift(3, 30))
