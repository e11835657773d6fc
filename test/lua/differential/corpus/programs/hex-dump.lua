-- A hex dump of a byte string.
local s = "Kong\0\1\255 gateway"
local hex, asc = {}, {}
for i = 1, #s do
  local b = s:byte(i)
  hex[#hex + 1] = string.format("%02x", b)
  asc[#asc + 1] = (b >= 32 and b < 127) and string.char(b) or "."
end
print(table.concat(hex, " "))
print(table.concat(asc))
