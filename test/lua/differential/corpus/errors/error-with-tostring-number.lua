-- error with a number message: the position is prepended after converting to a string.
print(pcall(function() error(1.5) end))
print(pcall(function() error(-0) end))
print(pcall(function() error(1e20, 2) end))
