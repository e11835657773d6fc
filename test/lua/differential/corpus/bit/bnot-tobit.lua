-- bit.bnot and bit.tobit normalise to signed 32-bit.
print(bit.bnot(0), bit.bnot(-1), bit.bnot(0xffffffff), bit.bnot(1))
print(bit.tobit(0xffffffff), bit.tobit(2^32 + 5), bit.tobit(-2^31 - 1), bit.tobit(2^31))
print(bit.tobit(1.5), bit.tobit(-1.5), bit.tobit(2.5), bit.tobit(3.5), bit.tobit(0.5))
print(bit.tobit(2^52 + 7), bit.tobit(-0))
