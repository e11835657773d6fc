-- Parameters are locals: closures capture them, and assigning one does not touch the caller.
local function adder(x) return function(y) x = x + y return x end end
local a = adder(10)
print(a(1), a(1), a(5))
local v = 1
local function bump(v) v = v + 1 return v end
print(bump(v), v)
