-- __call is looked up once: a __call that is itself a callable table (or a number) is not followed.
local inner = setmetatable({}, { __call = function(self, ...) return "inner", select("#", ...) end })
local outer = setmetatable({}, { __call = inner })
local number = setmetatable({}, { __call = 5 })
print(pcall(function() local r = outer(1) return r end))
print(pcall(function() local r = number(1, 2) return r end))
local t = { f = number }
print(pcall(function() t.f() end))
print(pcall(function() t:f() end))
print(pcall(function() for k in number do end end))
-- Metamethod handlers are called the same way: a callable table works, one level only.
local plus = setmetatable({}, { __call = function(_, a, b) return "plus" end })
print(pcall(function() local r = setmetatable({}, { __add = plus }) + 1 return r end))
print(pcall(function() local r = setmetatable({}, { __add = outer }) + 1 return r end))
print(pcall(function() local r = setmetatable({}, { __concat = 7 }) .. "x" return r end))
print(pcall(function() local r = -setmetatable({}, { __unm = true }) return r end))
local a, b = setmetatable({}, { __lt = number }), nil
b = setmetatable({}, getmetatable(a))
print(pcall(function() local r = a < b return r end))
