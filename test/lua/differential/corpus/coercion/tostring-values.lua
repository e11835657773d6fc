-- tostring of non-address values.
print(tostring(nil), tostring(true), tostring(false), tostring(12), tostring("s"))
print(tostring(1e15), tostring(-1.5), tostring(0.1))
print(type(tostring({})), tostring({}):sub(1, 7), tostring(print):sub(1, 9))
print(select("#", tostring(1, 2)))
print(pcall(tostring))
