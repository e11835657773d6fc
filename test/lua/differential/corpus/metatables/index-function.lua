-- __index as a function receives the table and the key.
local calls = {}
local t = setmetatable({ real = 1 }, { __index = function(tbl, k) calls[#calls + 1] = tostring(k) return k == "x" and 42 or nil end })
print(t.real, t.x, t.y, t[1])
print(table.concat(calls, ","))
local defaults = setmetatable({}, { __index = function() return 0 end })
defaults.a = defaults.a + 1
defaults.a = defaults.a + 1
print(defaults.a, defaults.b)
