-- Indexing numbers, booleans, nil and functions fails; strings go through the string metatable.
local n, b, f = 1, true, print
print(pcall(function() return n.x end))
print(pcall(function() return b.x end))
print(pcall(function() return f.x end))
print(pcall(function() local s = "abc" return type(s.len) end))
print(("abc").len == string.len, ("abc").nothing)
