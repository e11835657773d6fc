-- select with string numbers, float indices and huge indices.
print(select("2", "a", "b", "c"))
print(select(2.0, "a", "b"))
print(select(100, "a"))
print(pcall(function() local r = select("x", 1) return r end))
print(pcall(function() local r = select() return r end))
