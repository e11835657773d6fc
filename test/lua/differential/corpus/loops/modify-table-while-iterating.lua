-- Assigning existing fields (and clearing them) during pairs is allowed.
local t = { a = 1, b = 2, c = 3, d = 4 }
for k, v in pairs(t) do
  if v % 2 == 0 then t[k] = nil else t[k] = v * 10 end
end
local keys = {}
for k, v in pairs(t) do keys[#keys + 1] = k .. "=" .. v end
table.sort(keys)
print(table.concat(keys, " "))
