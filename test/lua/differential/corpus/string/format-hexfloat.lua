-- %a prints hexadecimal floating point.
print(string.format("%a|%a|%a|%a", 1, 0.5, -2, 0))
print(string.format("%A|%.2a|%a", 255.5, 1/3, 1e-300))
