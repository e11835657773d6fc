-- ^ anchors only at the start of a pattern; $ only at the end.
print(("abc"):find("^a"), ("abc"):find("^b"), ("abc"):find("c$"), ("abc"):find("b$"))
print(("a^b"):find("a^b"), ("a$b"):find("a$b"), ("$"):find("$", 1, true))
print(("aaa"):gsub("^a", "x"), ("aaa"):gsub("a$", "x"))
print(("hello"):match("^(h.-)l*o$"))
