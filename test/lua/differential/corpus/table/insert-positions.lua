-- table.insert with positions outside 1..#t+1 (LuaJIT 2.1 does not check the range).
local t = { 1, 2, 3 }
table.insert(t, 5, "five")
print(#t == 3 or #t == 5, t[4], t[5])
local u = { 1, 2 }
table.insert(u, 2.0, "x")
print(table.concat(u, ","))
local v = {}
table.insert(v, 1, "only")
print(#v, v[1])
