-- Unary minus and # on strings with the string metatable in place.
print(-"3", #"abc", -"-0")
local mt = getmetatable("")
print(mt.__unm, mt.__len, mt.__add)
