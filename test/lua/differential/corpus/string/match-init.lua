-- string.match's init argument, negative and out of range.
print(("abcabc"):match("b", 3), ("abcabc"):match("^b", 2), ("abcabc"):match("c", -2))
print(("abc"):match("a", 10), ("abc"):match("", 4), ("abc"):match("", 5))
print(("abc"):match(".*", 0), ("abc"):match("^a", -100))
