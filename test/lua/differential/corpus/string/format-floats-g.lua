-- %g and %G: shortest of %e and %f, trailing zeros removed unless '#'.
print(string.format("%g|%g|%g|%g|%g", 100000, 1000000, 1e-4, 1e-5, 0.1))
print(string.format("%g|%.3g|%.10g|%#g|%G", 1/3, 1/3, 1/3, 1, 1e-10))
print(string.format("%g %g %g %g", 0, -0.0, 1/0, 0/0))
print(string.format("%10.4g|%-10.4g|%+g|%.0g|%.1g", math.pi, math.pi, 2, 123, 0.15))
print(string.format("%.14g %.15g %.16g %.17g", 0.1, 0.1, 0.1, 0.1))
