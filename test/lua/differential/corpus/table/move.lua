-- table.move (LuaJIT 2.1 has it): overlapping moves in both directions, into another table.
local t = { 1, 2, 3, 4, 5 }
table.move(t, 2, 4, 1)
print(table.concat(t, ","))
t = { 1, 2, 3, 4, 5 }
table.move(t, 1, 3, 3)
print(table.concat(t, ","))
local dst = table.move({ "a", "b", "c" }, 1, 3, 2, { "x" })
print(table.concat(dst, ","))
print(#table.move({ 1, 2 }, 1, 0, 1, {}))
