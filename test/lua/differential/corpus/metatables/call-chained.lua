-- __call objects can be chained and can return functions.
local curry = setmetatable({}, { __call = function(_, a) return function(b) return a .. b end end })
print(curry("x")("y"))
local inner = setmetatable({}, { __call = function(_, v) return "inner " .. v end })
local outer = setmetatable({}, { __call = function(_, v) return inner(v .. "!") end })
print(outer("go"))
