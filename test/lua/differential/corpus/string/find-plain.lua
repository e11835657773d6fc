-- string.find with plain = true and with init positions.
local s = "a.b.c"
print(s:find(".", 1, true), s:find("."), s:find(".", 3, true))
print(s:find("b.c", 1, true), s:find("x", 1, true), s:find("", 1, true))
print(s:find("", 10, true), s:find("", 6, true), s:find("c", -1, true), s:find("a", -100, true))
print(("hello"):find("l"), ("hello"):find("l", 4), ("hello"):find("l", 5))
print(("a+b"):find("+", 1, true), ("[x]"):find("[", 1, true))
