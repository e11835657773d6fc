-- Escape sequences in quoted strings, as bytes.
local s = "\a\b\f\n\r\t\v\\\"\'"

local bytes = {}
for i = 1, #s do bytes[#bytes + 1] = string.byte(s, i) end
print(table.concat(bytes, " "))
print("\65\066\0677", "\x41\x62", #"\0abc", ("\0x"):byte(1, 2))
print("a\z
       b", "tab:\tend")
print('single "double" inside', "double 'single' inside")
print("line1\
line2")
