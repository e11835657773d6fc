-- An anchored pattern replaces at most once.
print(("aaa"):gsub("^a", "b"))
print(("  x  "):gsub("^%s+", ""))
print(("path/to/file"):gsub("^(.-)/", "%1:"))
print(("abc"):gsub("^", ">"))
print(("abc"):gsub("$", "<"))
