--- type
print(type(nil), type(true), type(1), type("s"), type({}), type(print), type(function() end), type(coroutine.create(function() end)))
print(pcall(type))
--- tostring basics
print(tostring(nil), tostring(true), tostring(12), tostring(1.25), tostring("x"), tostring(-0), tostring(1e100))
print(type(tostring({})), type(tostring(print)), tostring(print) == tostring(print), tostring({}) ~= tostring({}))
--- tonumber
print(tonumber("10"), tonumber("  12  "), tonumber("1e2"), tonumber("0x10"), tonumber(" -0x10 "), tonumber("1e"), tonumber(""), tonumber("0x"), tonumber("abc"), tonumber(nil))
print(tonumber("inf"), tonumber("-inf"), tonumber("nan") ~= tonumber("nan"), tonumber("0b101"), tonumber(".5"), tonumber("5."), tonumber("1 2"))
print(tonumber(42), tonumber(true), tonumber({}))
--- tonumber with base
print(tonumber("ff", 16), tonumber("-ff", 16), tonumber("zz", 36), tonumber("777", 8), tonumber("102", 2), tonumber(10, 16), tonumber("7fffffffffffffff", 16))
print(pcall(tonumber, "10", 1))
print(pcall(tonumber, "10", 37))
print(pcall(tonumber))
--- _VERSION
print(_VERSION)
--- select hash
print(select('#', 1, nil, nil))
--- rawequal
print(rawequal(1, 1), rawequal("a", "a"), rawequal({}, {}), rawequal(0 / 0, 0 / 0), rawequal(1, 1.0))
print(pcall(rawequal, 1))
--- rawget rawset errors
print(pcall(rawget, 1))
print(pcall(rawget, {}))
print(pcall(rawset, {}, 1))
print(pcall(rawset, {}, nil, 1))
--- ipairs pairs errors
print(pcall(ipairs))
print(pcall(ipairs, nil))
print(pcall(pairs, nil))
print(pcall(pairs))
--- load string
local f = load("return 1 + 1")
print(f())
--- load syntax error
print(load("return 1 +"))
print(load("x = = 1", "=mychunk"))
print(loadstring("x = ", "@file.lua"))
--- loadstring varargs
print(loadstring("return ...")(1, 2, 3))
print(loadstring("local a, b = ... return b, a")("x", "y"))
--- load with reader function
local parts = {"return ", "40 ", "+ 2"}
local i = 0
print(load(function() i = i + 1 return parts[i] end)())
--- load reader error chunk name
print(load(function() return nil end) ~= nil)
local n = 0
print(load(function() n = n + 1 if n == 1 then return "x = " end end))
--- loaded chunk shares globals
shared = 1
loadstring("shared = shared + 1")()
print(shared)
--- loaded chunk runtime error positions
print(pcall(loadstring("error('in loaded')")))
print(pcall(loadstring("error('in loaded')", "=named")))
print(pcall(loadstring("local x = nil; x()", "a very long chunk name that goes on and on and on and on and on")))
print(pcall(loadstring("local x = nil\n x()")))
print(pcall(loadstring("local x = nil x() -- a very long single line that goes on and on and on")))
print(pcall(loadstring("local x = nil x()", "@d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/d/file.lua")))
--- load errors
print(pcall(load))
print(pcall(loadstring))
--- load of number source
print(load(5))
--- print uses tostring metamethod
print(setmetatable({}, {__tostring = function() return "TS" end}), 1)
--- print refuses non string tostring
print(pcall(print, setmetatable({}, {__tostring = function() return {} end})))
--- next on table with holes
local t = {1, nil, 3}
local c = 0
local k = next(t)
while k do c = c + 1 k = next(t, k) end
print(c)
--- unpack with nils
print(unpack({1, nil, 3}, 1, 3))
--- getmetatable requires argument
print(pcall(getmetatable))
--- setmetatable returns its table
local t = {}
print(setmetatable(t, {}) == t)
--- load with mode and environment
print(load("return x", "n", "t", {x = 5})())
print(loadstring("return x", "n", "t", {x = 6})())
print(load("return 1", "n", "b"))
print(load("return 1", "n", "bt")())
local env = {}
load("y = 7", "n", "t", env)()
print(env.y, y)
--- print uses the global tostring
local orig = tostring
tostring = function(v) return "<" .. orig(v) .. ">" end
print(1, "a", nil)
tostring = orig
print(1)
--- load reader errors are load failures
print(select('#', load(function() error({}) end)))
local f, e = load(function() error({code = 3}) end)
print(f, type(e), e.code)
