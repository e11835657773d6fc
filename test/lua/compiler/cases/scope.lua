--- local shadowing in same block
local x = 1
local x = x + 1
print(x)
--- block scoping
local a = "outer"
do local a = "inner" print(a) end
print(a)
--- local without value is nil
local u
print(u)
--- local self reference uses outer
local v = 10
do local v = v * 2 print(v) end
--- local function recursion
local function fact(n) if n <= 1 then return 1 end return n * fact(n - 1) end
print(fact(10), fact(20))
--- local f = function cannot see itself
local g = 1
local g = function() return g end
print(type(g()))
--- closures capture per iteration in numeric for
local fns = {}
for i = 1, 3 do fns[i] = function() return i end end
print(fns[1](), fns[2](), fns[3]())
--- closures capture per iteration in generic for
local fns = {}
for i, v in ipairs({"a", "b", "c"}) do fns[i] = function() return v .. i end end
print(fns[1](), fns[2](), fns[3]())
--- closures capture per iteration in while body
local fns, k = {}, 1
while k <= 3 do local j = k * 10 fns[k] = function() return j end k = k + 1 end
print(fns[1](), fns[2](), fns[3]())
--- closures in repeat body
local fns, k = {}, 0
repeat k = k + 1 local c = k fns[k] = function() return c end until k == 3
print(fns[1](), fns[3]())
--- shared upvalue between closures
local function counter()
  local c = 0
  return function() c = c + 1 return c end, function() return c end
end
local inc, get = counter()
inc() inc() inc()
print(get())
--- independent closures
local function mk() local n = 0 return function() n = n + 1 return n end end
local c1, c2 = mk(), mk()
c1() c1()
print(c1(), c2())
--- upvalue modified after closure creation
local m = 1
local function getm() return m end
m = 2
print(getm())
--- loop variable modification does not affect loop
for i = 1, 3 do local j = i i = i * 10 io.write(i, " ") end
print()
--- nested functions three levels
local function outer()
  local a = 1
  return function()
    local b = 2
    return function() a = a + 1 return a + b end
  end
end
local f = outer()()
print(f(), f())
--- same name param and local
local function h(p) local p = p or "default" return p end
print(h(), h("given"))
--- duplicate parameter names
local function dup(a, a) return a end
print(dup(1, 2))
--- names that are JS keywords
local var, new, this, class, function_, typeof, delete, undefined, NaN = 1, 2, 3, 4, 5, 6, 7, 8, 9
print(var + new + this + class + function_ + typeof + delete + undefined + NaN)
--- globals named like JS builtins
Object, Array, Math, JSON, eval = 1, 2, 3, 4, 5
print(Object, Array, Math, JSON, eval, window, process, globalThis, exports)
--- _G access
x_global = 42
print(_G.x_global, _G["x_global"], _G._G == _G)
_G.y_global = 7
print(y_global)
--- many locals
local a1, a2, a3, a4, a5, a6, a7, a8, a9, a10 = 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
local b1, b2, b3, b4, b5, b6, b7, b8, b9, b10 = a10, a9, a8, a7, a6, a5, a4, a3, a2, a1
print(a1 + b1, a5 * b5, a10 - b10)
--- identifiers with non-ASCII bytes
local été = 5
local naïve = été * 2
print(été, naïve)
--- local functions in loops capture the iteration
local s = 0
for i = 1, 3 do
  local function add(n) s = s + n * i end
  add(1)
end
print(s)
