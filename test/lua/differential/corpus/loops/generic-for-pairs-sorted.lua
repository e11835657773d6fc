-- pairs over a hash: order is unspecified, so sort the keys before printing.
local t = { x = 1, y = 2, z = 3, [1] = "a", [2] = "b", [10] = "ten" }
local keys = {}
for k in pairs(t) do keys[#keys + 1] = tostring(k) end
table.sort(keys)
print(table.concat(keys, " "))
local sum = 0
for _, v in pairs({ 1, 2, 3, a = 4 }) do sum = sum + v end
print(sum)
