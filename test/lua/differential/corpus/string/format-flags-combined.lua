-- Flags combined: '-' beats '0', '+' beats ' ', '#' on o/x/g/e/f; %u and %F; empty precisions.
print(string.format("% 5d|%+5d|%-+5d|%0-5d|%#5x|%#o|%#x", 1, 2, 3, 4, 5, 8, 0))
print(string.format("%u|%F|%.0s|%.s|%3c|", 5, 1.5, "abc", "abc", 65))
print(string.format("%#g|%#e|%#f|%#.3g", 1.5, 2, 3, 100))
print(string.format("%-+08.3f|%+08.3e|% 08.3g|%+ d", 3.14159, 3.14159, 3.14159, 7))
print(string.format("%5.3s|%-5.3s|%.10s", "abcdef", "abcdef", "ab"))
