-- bit.band/bor/bxor on 32-bit signed results, with several arguments.
print(bit.band(0xff, 0x0f), bit.bor(0xf0, 0x0f), bit.bxor(0xff, 0x0f))
print(bit.band(0xffffffff, 0xffffffff), bit.bor(0x80000000, 0), bit.bxor(-1, 0))
print(bit.band(1, 3, 7), bit.bor(1, 2, 4, 8), bit.bxor(1, 2, 3))
print(bit.band(-1), bit.bor(5), bit.bxor(0x7fffffff))
