-- # of sequences built in different ways (no holes).
local a = {}
for i = 1, 100 do a[i] = i end
local b = { 1, 2, 3, 4, 5 }
b[6] = 6
local c = {}
c[3], c[2], c[1] = 3, 2, 1
local d = { n = 1, 1, 2 }
print(#a, #b, #c, #d)
for i = 100, 51, -1 do a[i] = nil end
print(#a)
