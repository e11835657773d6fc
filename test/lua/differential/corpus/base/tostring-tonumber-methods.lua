-- tostring and tonumber through variables and as first-class functions.
local ts, tn = tostring, tonumber
local out = {}
for i, v in ipairs({ 1, 2.5, "3", "0x10", "x" }) do out[i] = ts(tn(v)) end
print(table.concat(out, " "))
local mapped = {}
for i, v in ipairs({ 1, 2, 3 }) do mapped[i] = ts(v * 1.5) end
print(table.concat(mapped, ","))
