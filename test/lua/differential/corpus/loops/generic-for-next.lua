-- for k, v in next, t is the same as pairs; next(t) on an empty table is nil.
print(next({}))
local t = { 10, 20, 30 }
local s = 0
for k, v in next, t do s = s + k * v end
print(s)
local k, v = next({ "only" })
print(k, v)
print(next({ "a", "b" }, 1))
print(next({ "a", "b" }, 2))
