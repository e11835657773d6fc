-- # on strings and sequences (no holes: borders are only unique without them).
print(#"", #"abc", #"\0\0")
local t = {}
print(#t)
for i = 1, 10 do t[i] = i end
print(#t)
t[#t] = nil
print(#t)
t[#t + 1] = "x"
print(#t, t[#t])
print(#{ 1, 2, 3 }, #{ n = 1 }, #{ { 1, 2 } })
