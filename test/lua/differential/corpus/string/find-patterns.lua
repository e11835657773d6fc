-- string.find returns start, end and captures.
print(("hello world"):find("o w"), ("hello world"):find("(o)(r)"))
print(("key=value"):find("(%w+)=(%w+)"), ("  x"):find("^%s*"))
print(("abc"):find("b*"), ("abc"):find("x*$"), ("abc"):find("^b"))
print(("2024-01-15"):find("(%d+)-(%d+)-(%d+)"))
print(("aaa"):find("a-"), ("aaa"):find("a-$"), ("aaa"):find("()a()"))
