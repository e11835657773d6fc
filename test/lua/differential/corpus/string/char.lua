-- string.char builds bytes; values out of 0..255 are errors.
print(string.char(72, 105), string.char(), #string.char(0, 0))
print(string.char(65.0), string.char("66"))
print(pcall(function() local r = string.char(256) return r end))
print(pcall(function() local r = string.char(-1) return r end))
print(pcall(function() local r = string.char("x") return r end))
local bytes = {}
for i = 97, 122 do bytes[#bytes + 1] = i end
print(string.char(unpack(bytes)))
