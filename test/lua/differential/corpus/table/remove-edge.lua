-- table.remove with position #t+1 and 0 on empty tables.
local t = { 1, 2, 3 }
print(table.remove(t, 4), #t)
local e = {}
print(table.remove(e, 0), table.remove(e, 1), #e)
local z = { [0] = "zero" }
print(table.remove(z, 0), z[0])
