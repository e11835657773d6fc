--- arithmetic metamethods
local V = {}
V.__index = V
local function new(x) return setmetatable({x = x}, V) end
V.__add = function(a, b) return new(a.x + b.x) end
V.__sub = function(a, b) return new(a.x - b.x) end
V.__mul = function(a, b) return type(b) == "number" and new(a.x * b) or a.x * b.x end
V.__div = function(a, b) return "div" end
V.__mod = function(a, b) return "mod" end
V.__pow = function(a, b) return "pow" end
V.__unm = function(a) return new(-a.x) end
local a, b = new(1), new(2)
print((a + b).x, (a - b).x, (a * 3).x, a * b, a / b, a % b, a ^ b, (-a).x)
--- metamethod with number on left
local M = setmetatable({}, {__add = function(x, y) return type(x) .. "+" .. type(y) end})
print(M + 1, 1 + M, M + M)
--- concat metamethod
local C = setmetatable({}, {__concat = function(x, y) return (type(x) == "table" and "C" or x) .. "|" .. (type(y) == "table" and "C" or y) end})
print(C .. "s", "s" .. C, 1 .. C, C .. C)
--- concat metamethod in chain
local C = setmetatable({}, {__concat = function(x, y) return "[" .. tostring(type(x) == "table" and "C" or x) .. "," .. tostring(type(y) == "table" and "C" or y) .. "]" end})
print("a" .. "b" .. C .. "d" .. "e")
--- eq metamethod
local E = {__eq = function(x, y) return x.v == y.v end}
local e1, e2, e3 = setmetatable({v = 1}, E), setmetatable({v = 1}, E), setmetatable({v = 2}, E)
print(e1 == e2, e1 == e3, e1 ~= e2, e1 == 1)
--- eq needs same metamethod
local e1 = setmetatable({}, {__eq = function() return true end})
local e2 = setmetatable({}, {__eq = function() return true end})
print(e1 == e2, e1 == e1)
--- lt le metamethods
local L = {__lt = function(x, y) return x.v < y.v end, __le = function(x, y) return x.v <= y.v end}
local l1, l2 = setmetatable({v = 1}, L), setmetatable({v = 2}, L)
print(l1 < l2, l2 < l1, l1 <= l2, l1 > l2, l1 >= l1)
--- le falls back to not lt
local L = {__lt = function(x, y) return x.v < y.v end}
local l1, l2 = setmetatable({v = 1}, L), setmetatable({v = 2}, L)
print(l1 <= l2, l2 <= l1)
--- index table chain
local base = {greet = function() return "hi" end, v = 1}
local mid = setmetatable({v = 2}, {__index = base})
local obj = setmetatable({}, {__index = mid})
print(obj.greet(), obj.v, obj.missing)
--- index function
local d = setmetatable({}, {__index = function(t, k) return tostring(k) .. "!" end})
print(d.foo, d[1], rawget(d, "foo"))
--- newindex function
local log = {}
local p = setmetatable({}, {__newindex = function(t, k, v) rawset(t, k, v * 2) end})
p.a = 5
p.a = 7
print(p.a)
--- newindex table
local store = {}
local p = setmetatable({}, {__newindex = store})
p.z = 1
print(rawget(p, "z"), store.z)
--- newindex not called for existing keys
local calls = 0
local p = setmetatable({k = 1}, {__newindex = function(t, k, v) calls = calls + 1 end})
p.k = 2
p.other = 3
print(p.k, p.other, calls)
--- call metamethod
local callable = setmetatable({}, {__call = function(self, a, b) return a + b, self end})
local r, s = callable(2, 3)
print(r, s == callable)
--- call metamethod varargs
local c = setmetatable({}, {__call = function(self, ...) return select('#', ...) end})
print(c(), c(1, nil), c(nil, nil, nil))
--- tostring metamethod
local T = setmetatable({}, {__tostring = function() return "custom!" end})
print(T, tostring(T))
--- tostring returning a number
local T = setmetatable({}, {__tostring = function() return 42 end})
print(type(tostring(T)))
print(T)
--- len metamethod ignored on tables
local T = setmetatable({1, 2}, {__len = function() return 99 end})
print(#T)
--- metatable protection
local locked = setmetatable({}, {__metatable = "locked"})
print(getmetatable(locked))
print(pcall(setmetatable, locked, {}))
--- metatable false protection
local locked = setmetatable({}, {__metatable = false})
print(getmetatable(locked))
--- getmetatable plain
local mt = {}
local t = setmetatable({}, mt)
print(getmetatable(t) == mt, getmetatable({}), getmetatable(1), getmetatable(nil))
--- setmetatable nil removes
local t = setmetatable({}, {__index = function() return 1 end})
print(t.x)
setmetatable(t, nil)
print(t.x)
--- setmetatable errors
print(pcall(setmetatable, 1, {}))
print(pcall(setmetatable, {}, 1))
print(pcall(setmetatable, {}))
--- class inheritance
local Animal = {} Animal.__index = Animal
function Animal.new(name) return setmetatable({name = name}, Animal) end
function Animal:speak() return self.name .. " makes a sound" end
function Animal:kind() return "animal" end
local Dog = setmetatable({}, {__index = Animal}) Dog.__index = Dog
function Dog.new(name) return setmetatable(Animal.new(name), Dog) end
function Dog:speak() return self.name .. " barks" end
local d = Dog.new("rex")
print(Animal.new("cat"):speak(), d:speak(), d:kind())
--- index on missing method errors
print(pcall(function() local o = setmetatable({}, {__index = {}}) o:nomethod() end))
--- unm on non number
print(pcall(function() return -{} end))
--- rawequal ignores eq
local E = {__eq = function() return true end}
local a, b = setmetatable({}, E), setmetatable({}, E)
print(a == b, rawequal(a, b))
--- index loop depth
local t = setmetatable({}, {})
getmetatable(t).__index = t
print(pcall(function() return t.x end))
--- gc metamethod ignored
local t = setmetatable({}, {__gc = function() print("gc!") end})
t = nil
print("ok")
--- mode metamethod tolerated
local w = setmetatable({}, {__mode = "k"})
w[{}] = 1
print(type(w))
