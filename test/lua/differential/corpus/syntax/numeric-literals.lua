-- Number literals: decimal, exponent, hex, hex floats, leading dot.
print(1, 1.0, 1.5, .5, 5., 1e2, 1E-2, 1e+2)
print(0x10, 0XfF, 0x7fffffff, 0xffffffff, 0x1p4, 0x.8, 0xA.8p1)
print(3.0 == 3, 1e308 * 10, -1e308 * 10)
print(123456789012345, 1234567890123456, 12345678901234567)
print(0.1 + 0.2, 1 / 3, 2 / 3, 100 / 3)
