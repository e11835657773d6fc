-- bit.tohex: 8 digits by default, n digits, negative n for upper case.
print(bit.tohex(255), bit.tohex(-1), bit.tohex(0), bit.tohex(0x7fffffff))
print(bit.tohex(255, 2), bit.tohex(255, -2), bit.tohex(0xabcdef, 4), bit.tohex(0xabcdef, -6))
print(bit.tohex(1, 16), bit.tohex(1, 1), bit.tohex(0x12345678, -8))
