-- __eq is called only for two tables (LuaJIT 2.1: both must have the same __eq); never for rawequal.
local function eqfn(a, b) return a.id == b.id end
local mt = { __eq = eqfn }
local a = setmetatable({ id = 1 }, mt)
local b = setmetatable({ id = 1 }, mt)
local c = setmetatable({ id = 1 }, { __eq = eqfn })
local d = setmetatable({ id = 1 }, { __eq = function() return true end })
print(a == b, a ~= b, a == c, a == d, rawequal(a, b))
print(a == 1, a == "x", a == nil)
