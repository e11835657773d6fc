-- table.remove from the end, the front and the middle; returns the removed value.
local t = { "a", "b", "c", "d" }
print(table.remove(t), #t)
print(table.remove(t, 1), #t, table.concat(t, ","))
print(table.remove(t, 2), #t, table.concat(t, ","))
print(table.remove({}), select("#", table.remove({})))
local u = { 1 }
print(table.remove(u, 1), #u)
print(pcall(function() table.remove(nil) end))
