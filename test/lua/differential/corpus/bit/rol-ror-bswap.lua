-- Rotations and byte swap.
print(bit.rol(1, 1), bit.rol(0x80000000, 1), bit.rol(0x12345678, 8), bit.rol(1, 32))
print(bit.ror(1, 1), bit.ror(2, 1), bit.ror(0x12345678, 8), bit.ror(1, -1))
print(bit.bswap(0x12345678), bit.bswap(0xff), bit.bswap(-1), bit.bswap(0))
