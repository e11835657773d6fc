-- pairs returns next, the table and nil.
local f, t, k = pairs({})
print(f == next, type(t), k)
print(pcall(function() local r = pairs(nil) return r end))
print(pcall(function() local r = next(nil) return r end))
local arr = { 10, 20, 30 }
local s = 0
for k, v in pairs(arr) do s = s + k * v end
print(s)
