-- __lt and __le; without __le, a <= b uses not (b < a) (Lua 5.1 rule).
local mt = {}
mt.__lt = function(a, b) return a.v < b.v end
local function box(v) return setmetatable({ v = v }, mt) end
local x, y = box(1), box(2)
print(x < y, y < x, x > y, x <= y, y >= x, x <= x)
mt.__le = function(a, b) return "le" end
print(x <= y, x >= y)
print(pcall(function() return x < 1 end))
