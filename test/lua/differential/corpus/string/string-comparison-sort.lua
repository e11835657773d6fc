-- Sorting strings orders bytewise.
local t = { "banana", "Apple", "cherry", "apple", "10", "9", "", "a\0", "a" }
table.sort(t)
local out = {}
for i, v in ipairs(t) do out[i] = string.format("%q", v) end
print(table.concat(out, " "))
