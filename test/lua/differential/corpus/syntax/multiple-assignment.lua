-- Multiple assignment evaluates every right-hand side before assigning.
local a, b, c = 1, 2
print(a, b, c)
a, b = b, a
print(a, b)
local t = {1, 2, 3}
local i = 1
i, t[i] = i + 1, 20
print(i, t[1], t[2])
local x, y = (function() return 1, 2, 3 end)()
print(x, y)
local p, q, r = 5, (function() return 6, 7 end)()
print(p, q, r)
local m, n = ((function() return 8, 9 end)())
print(m, n)
