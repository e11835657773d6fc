-- next walks the array part in order before hash keys.
local t = { "a", "b", "c" }
local k, v = next(t)
local out = {}
while k do out[#out + 1] = k .. v k, v = next(t, k) end
print(table.concat(out, " "))
