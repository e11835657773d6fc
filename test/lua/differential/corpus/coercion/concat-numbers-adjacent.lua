-- Concatenation chains mixing numbers and strings; right associative.
local a, b = 1, 2
print(a .. b, a .. "" .. b, a + b .. "", "" .. a + b)
print(1 .. 2 == "12", (1 .. 2) + 1)
local parts = {}
for i = 1, 5 do parts[#parts + 1] = i .. ":" .. i / 2 end
print(table.concat(parts, " "))
