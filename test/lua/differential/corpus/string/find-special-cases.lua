-- find with init beyond the end, empty patterns and captures-only results.
print(("abc"):find("", 4), ("abc"):find("", 5), ("abc"):find("c", 3))
print(("abc"):find("()"), ("abc"):find("(b)()"), (""):find(""), (""):find("^$"))
print(("a.b"):find("%."), ("a.b"):find("."), ("ab"):find("b", -1))
