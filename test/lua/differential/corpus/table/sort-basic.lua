-- table.sort with the default order on numbers and strings.
local n = { 5, 2, 8, 1, 9, 3, 7, 4, 6, 0, -1, 2.5 }
table.sort(n)
print(table.concat(n, " "))
local s = { "pear", "apple", "fig", "Banana", "cherry" }
table.sort(s)
print(table.concat(s, " "))
local one, empty = { 1 }, {}
table.sort(one)
table.sort(empty)
print(#one, #empty)
