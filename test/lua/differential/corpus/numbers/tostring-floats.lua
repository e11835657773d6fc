-- Non-integers use %.14g: 14 significant digits, exponent form outside 1e-4..1e14.
print(0.1, 0.5, 1.5, -2.25, 1/3, 2/3, 1/7)
print(3.14159265358979, math.pi, -math.pi)
print(1e-4, 1e-5, 0.00012345, 123.456e10, 1.5e300, 1e-300)
print(1e100, 2^-1074, 1.7976931348623157e308)
print(12345678.9, 99999999999999.9, 0.1 + 0.7)
