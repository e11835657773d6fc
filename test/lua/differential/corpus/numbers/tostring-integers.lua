-- Integer-valued doubles print without a decimal point, up to 1e15.
print(0, 1, -1, 100, 2^31, 2^32, -2^31, 2^40)
print(1e14, 1e15 - 1, 1e15, 1e16, 123456789012345)
print(2^53, 2^53 + 1, -2^53, 2^63, 2^64)
print(10 / 2, 3 * 1.0, 2^31 + 0.5 - 0.5, 1e15 - 1)
