-- unpack with negative and float ranges.
print(unpack({ 1, 2, 3 }, -1, 1))
print(unpack({ [0] = "z", "a" }, 0, 1))
print(unpack({ "a", "b", "c" }, 1.5, 2))
print(select("#", unpack({}, 5, 4)))
