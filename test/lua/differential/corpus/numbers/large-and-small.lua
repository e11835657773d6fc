-- Values near the edges of the double range.
print(1.7976931348623157e308, 2.2250738585072014e-308, 4.9406564584124654e-324)
print(1e309, -1e309, 1e-400)
print(2^1023 * 2, 2^-1074 / 2)
