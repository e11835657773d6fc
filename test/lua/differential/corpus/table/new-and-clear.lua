-- LuaJIT's table.new (preallocation) and table.clear, loaded with require.
local new = require("table.new")
local clear = require("table.clear")
local t = new(10, 5)
print(type(t), #t, next(t))
t[1], t[2], t.x = "a", "b", "c"
print(#t, t.x)
clear(t)
print(#t, t.x, next(t))
t[1] = "again"
print(#t, t[1])
