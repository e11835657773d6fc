--- index nil local
print(pcall(function() local t; return t.x end))
--- index nil global
print(pcall(function() return undefinedglobal.x end))
--- index nil field
print(pcall(function() local t = {} return t.x.y end))
--- index nil upvalue
local u
print(pcall(function() return u.x end))
--- index with numeric key has no name
print(pcall(function() local t = {} return t[1].y end))
--- index with variable key has no name
print(pcall(function() local t, k = {}, "a" return t[k].y end))
--- index string literal key named as field
print(pcall(function() local t = {} return t["s"].y end))
--- assign to field of nil
print(pcall(function() local t = {} t.a.b = 1 end))
print(pcall(function() local a; a.b = 1 end))
print(pcall(function() undefinedvar.field = 1 end))
--- call nil local global field method
print(pcall(function() local f; f() end))
print(pcall(function() g() end))
print(pcall(function() local t = {} t.x() end))
print(pcall(function() local t = {} t:m() end))
print(pcall(function() local t = {} t[1]() end))
--- call non function values
print(pcall(function() ("x")() end))
print(pcall(function() local n = 1 n() end))
print(pcall(function() local t = {} t() end))
--- call upvalue
local up
print(pcall(function() up() end))
--- arithmetic errors name operands
print(pcall(function() local x; return x + 1 end))
print(pcall(function() local t = {} return t.x + 1 end))
print(pcall(function() return 1 + {} end))
print(pcall(function() local x = {} return -x end))
print(pcall(function() return u * 2 end))
print(pcall(function() return 2 ^ gv end))
--- concat errors name operands
print(pcall(function() local x; return "a" .. x end))
print(pcall(function() local x; return x .. "a" end))
print(pcall(function() local t = {} return "a" .. t.x .. "b" end))
print(pcall(function() return {} .. "x" end))
print(pcall(function() return "x" .. true end))
--- length errors
print(pcall(function() local x; return #x end))
print(pcall(function() return #u end))
print(pcall(function() return #5 end))
--- errors carry the line where the operation is
print(pcall(function()
  local t = {}
  local v = t.a
    .b
end))
print(pcall(function()
  local x = nil
  return 1 +
    x
end))
print(pcall(function()
  local f = nil
  f(
    1,
    2
  )
end))
--- error with string
print(pcall(function() error("plain") end))
--- error levels
print(pcall(function() error("lvl0", 0) end))
print(pcall(function() error("lvl1", 1) end))
local function lvl2() error("deep", 2) end
print(pcall(function()
  lvl2()
end))
--- error level through tail call
local function lvl2() error("deep", 2) end
print(pcall(function() return lvl2() end))
print(pcall(function() return error("tail") end))
print(pcall(function() return error("tail2", 2) end))
--- error level 2 from nested
local function inner() error("from inner", 2) end
local function outer() inner() end
print(pcall(outer))
--- error with non string values
print(pcall(error))
print(pcall(error, nil))
print(select('#', pcall(error)))
print(pcall(function() error(42) end))
print(pcall(function() error(true) end))
local ok, e = pcall(function() error({code = 7}) end)
print(ok, type(e), e.code)
--- error called directly by pcall has no position
print(pcall(error, "msg"))
print(pcall(error, "msg", 2))
--- assert
print(pcall(function() assert(false) end))
print(pcall(function() assert(nil, "amsg") end))
print(pcall(function() assert(1 == 2, 42) end))
print(pcall(function() return assert(false, "tailmsg") end))
local ok, e = pcall(function() assert(false, {1}) end)
print(ok, type(e))
print(select('#', assert(1, 2, 3)), assert("v", "m"))
print(pcall(assert))
--- pcall returns all results
print(pcall(function(...) return ... end, 1, 2, 3))
print(pcall(print))
--- pcall with non function
print(pcall(1))
print(pcall({}))
print(pcall(pcall))
--- pcall callable table
print(pcall(setmetatable({}, {__call = function(self, x) return x * 2 end}), 21))
--- nested pcall
print(pcall(pcall, error, "x"))
print(pcall(function() local ok, e = pcall(error, "inner") error("outer:" .. e) end))
--- xpcall handler gets message
print(xpcall(function() error("E") end, function(m) return "H:" .. m end))
print(xpcall(function() local x = nil; x() end, function(m) return "H:" .. m end))
--- xpcall passes arguments
print(xpcall(function(a, b) return a + b end, print, 1, 2))
--- xpcall handler errors
print(xpcall(function() error("a") end, function(m) error("b") end))
--- xpcall handler first result only
print(xpcall(function() error("a") end, function(m) return 1, 2 end))
--- xpcall without handler
print(pcall(xpcall, function() end))
--- library argument errors name the function
print(pcall(function() setmetatable(1, {}) end))
print(pcall(function() local s = setmetatable; s(1) end))
print(pcall(function() local t = {f = setmetatable}; t.f(1) end))
print(pcall(function() ipairs() end))
print(pcall(function() tostring() end))
print(pcall(function() return setmetatable(1, {}) end))
print(pcall(setmetatable, 1))
--- method call argument numbering
local t = {f = setmetatable}
print(pcall(function() t:f(1) end))
local u = {f = function(a, b) return rawget(b) end}
print(pcall(function() u:f(1) end))
--- error values pass untouched through pcall
local e = {}
local ok, got = pcall(error, e)
print(got == e)
--- tostring in error message
print(pcall(function() error("n=" .. 5) end))
--- runtime error inside metamethod
print(pcall(function() local t = setmetatable({}, {__index = function(t, k) error("idx " .. k) end}) return t.foo end))
print(pcall(function() local t = setmetatable({}, {__index = function(t, k) error("idx2 " .. k, 2) end}) local y = t.foo return y end))
--- stack overflow is catchable
local function f() return 1 + f() end
local ok, e = pcall(f)
print(ok, e)
--- error in for iterator
print(pcall(function() for k in nil do end end))
print(pcall(function() for k in 5 do end end))
