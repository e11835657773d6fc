-- %f with precision, width and flags.
print(string.format("%f|%.2f|%.0f|%10.3f|%-10.1f|", 3.14159, 3.14159, 2.5, 3.14159, 3.14159))
print(string.format("%+.1f|% .1f|%010.2f|%#.0f", 1.25, 1.25, -1.25, 3))
print(string.format("%.3f %.3f %.3f", 0.0005, 0.0015, 1e-10))
print(string.format("%f %f %f", 1/0, -1/0, 0/0))
print(string.format("%.20f", 1/3), string.format("%.f", 0.5), string.format("%.f", 1.5))
