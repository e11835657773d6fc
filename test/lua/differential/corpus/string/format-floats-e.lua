-- %e and %E.
print(string.format("%e|%.2e|%E|%.0e|%#.0e", 12345.678, 12345.678, 0.00012, 5, 5))
print(string.format("%12.3e|%-12.3e|%+e", 1, 1, -1))
print(string.format("%e %e", 0, -0.0), string.format("%e", 1e300), string.format("%e", 1/0))
