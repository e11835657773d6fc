-- gmatch with position captures, empty matches, and '^' (a literal start anchor in gmatch, as LuaJIT).
local out = {}
for p in ("abc"):gmatch("()") do out[#out + 1] = p end
print(table.concat(out, ","))
out = {}
for a, b in ("hello"):gmatch("()l()") do out[#out + 1] = a .. "-" .. b end
print(table.concat(out, ","))
out = {}
for w in ("^a^b"):gmatch("^%a") do out[#out + 1] = w end
print(#out, table.concat(out, ","))
out = {}
for w in ("one two  three"):gmatch("%S*") do out[#out + 1] = "[" .. w .. "]" end
print(table.concat(out))
