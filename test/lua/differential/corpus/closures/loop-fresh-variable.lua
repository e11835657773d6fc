-- A numeric/generic for makes a fresh local per iteration; closures capture each one.
local fs = {}
for i = 1, 3 do fs[#fs + 1] = function() return i end end
for _, v in ipairs({ "a", "b" }) do fs[#fs + 1] = function() return v end end
local out = {}
for _, f in ipairs(fs) do out[#out + 1] = tostring(f()) end
print(table.concat(out, " "))
