-- Values outside 32 bits wrap modulo 2^32.
print(bit.band(2^32, 0xffffffff), bit.bor(2^32 + 1, 0), bit.bxor(2^40 + 3, 1))
print(bit.tobit(2^53), bit.tobit(-2^53 + 1), bit.bnot(2^32))
print(bit.band(1e10, 0xffff), bit.tohex(1e10))
