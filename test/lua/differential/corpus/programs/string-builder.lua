-- Building a string in a table buffer versus repeated concatenation gives the same text.
local buf = {}
for i = 1, 50 do buf[#buf + 1] = string.format("%02d", i) end
local s1 = table.concat(buf, ",")
local s2 = ""
for i = 1, 50 do s2 = s2 .. (i > 1 and "," or "") .. string.format("%02d", i) end
print(s1 == s2, #s1, s1:sub(1, 14), s1:sub(-8))
