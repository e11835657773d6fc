-- math.randomseed makes the sequence repeatable; the values themselves differ by design.
math.randomseed(42)
local a = { math.random(), math.random(100), math.random(5, 10) }
math.randomseed(42)
local b = { math.random(), math.random(100), math.random(5, 10) }
print(a[1] == b[1], a[2] == b[2], a[3] == b[3])
print(a[2] >= 1 and a[2] <= 100, a[3] >= 5 and a[3] <= 10)
