-- Float steps accumulate as doubles, exactly as LuaJIT computes them.
local out = {}
for x = 0, 1, 0.25 do out[#out + 1] = x end
print(table.concat(out, " "))
out = {}
for x = 0.1, 0.5, 0.1 do out[#out + 1] = x end
print(table.concat(out, " "))
out = {}
for x = 1, 0, -0.3 do out[#out + 1] = x end
print(table.concat(out, " "))
