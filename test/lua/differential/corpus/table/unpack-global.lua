-- unpack is a global in LuaJIT (Lua 5.1).
print(unpack({ 1, 2, 3 }))
print(unpack({ "a", "b", "c" }, 2))
local t = { n = 2, "x", "y", "z" }
print(unpack(t, 1, t.n))
print(select("#", unpack({}, 1, 2)))
