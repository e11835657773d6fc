-- table.insert appends or inserts at a position, shifting up.
local t = {}
table.insert(t, "a")
table.insert(t, "c")
table.insert(t, 2, "b")
table.insert(t, 1, "z")
table.insert(t, #t + 1, "end")
print(#t, table.concat(t, ","))
print(pcall(function() table.insert(t, 1, 2, 3) end))
print(pcall(function() table.insert(nil, 1) end))
print(pcall(function() table.insert(t) end))
