-- %q quotes strings so Lua can read them back.
print(string.format("%q", 'he said "hi"\n\ttab\\'))
print(string.format("%q", "\0\1\0012\r\255"))
print(string.format("%q", 1/3), string.format("%q", 10))
print(string.format("%q", "]]"), string.format("%q", ""))
