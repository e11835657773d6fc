-- All 256 byte values survive char/byte and sub.
local bytes = {}
for i = 0, 255 do bytes[#bytes + 1] = i end
local s = string.char(unpack(bytes))
print(#s, s:byte(1), s:byte(256), s:byte(129))
local ok = true
for i = 1, 256 do if s:sub(i, i):byte() ~= i - 1 then ok = false end end
print(ok, s:upper():byte(98), s:lower():byte(66))
print(select(2, s:gsub("%w", "")), select(2, s:gsub("%s", "")), select(2, s:gsub("%p", "")))
