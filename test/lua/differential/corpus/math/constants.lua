-- math.pi and math.huge; the library's names.
print(math.pi, math.huge, -math.huge, math.huge == 1/0)
local names = {}
for k in pairs(math) do names[#names + 1] = k end
table.sort(names)
print(table.concat(names, " "))
