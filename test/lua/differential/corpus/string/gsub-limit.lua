-- gsub's fourth argument caps the number of replacements.
print(("aaaa"):gsub("a", "b", 2))
print(("aaaa"):gsub("a", "b", 0))
print(("aaaa"):gsub("a", "b", 10))
print(("aaaa"):gsub("a", "b", 2.5))
print(("aaaa"):gsub("a", "b", -1))
