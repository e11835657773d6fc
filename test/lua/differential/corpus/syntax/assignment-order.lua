-- Assignment to table fields with side effects in the keys.
local log = {}
local function k(name) log[#log + 1] = name return name end
local t = {}
t[k("a")], t[k("b")] = k("va"), k("vb")
print(table.concat(log, " "))
print(t.a, t.b)
local x, y, z = 1
print(x, y, z)
local p, q = 1, 2, 3
print(p, q)
