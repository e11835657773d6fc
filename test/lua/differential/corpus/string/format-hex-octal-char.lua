-- %x %X %o %c with flags.
print(string.format("%x|%X|%#x|%#X|%08x|%-6x|", 255, 255, 255, 255, 255, 255))
print(string.format("%o|%#o|%5o|%x", 8, 8, 8, 0))
print(string.format("%c%c%c", 76, 117, 97), #string.format("%c", 0))
print(string.format("%x", 2^32 + 15), string.format("%X", 2^40))
print(string.format("%5c|%-5c|", 65, 66))
