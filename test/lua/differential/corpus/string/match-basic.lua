-- string.match returns captures or the whole match.
print(("hello 123 world"):match("%d+"), ("hello"):match("(h)(e)"), ("x"):match("y"))
print(("  trim me  "):match("^%s*(.-)%s*$") .. "|")
print(("key = value"):match("^(%w+)%s*=%s*(%w+)$"))
print(("2024-01-15"):match("(%d+)-(%d+)"), ("abc"):match(".", -1), ("abc"):match("()b()"))
print(("/users/42/posts"):match("^/users/(%d+)/(%a+)$"))
