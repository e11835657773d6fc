-- Operations on longer strings built with rep and concat.
local s = ("abc"):rep(1000)
print(#s, s:sub(2998), select(2, s:gsub("b", "")), s:find("cab", 100, true))
local t = {}
for i = 1, 500 do t[i] = i end
local joined = table.concat(t, ",")
print(#joined, joined:sub(1, 20), joined:match("(%d+)$"))
print(#(s .. s), s:upper():sub(1, 6), s:reverse():sub(1, 3))
