-- unpack checks its arguments; too many results is an error.
print(pcall(unpack))
print(pcall(unpack, {}, 1, 0))
print(select("#", unpack({}, 1, 0)))
print(pcall(unpack, "abc"))
print(select("#", unpack({ n = 3 }, 1, 3)))
