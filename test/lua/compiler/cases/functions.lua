--- varargs count
local function n(...) return select('#', ...) end
print(n(), n(nil), n(nil, nil), n(1, nil, 3))
--- varargs pass through
local function pass(...) return ... end
print(pass(1, 2, 3))
print(pass())
print((pass(1, 2, 3)))
--- varargs in table
local function pack(...) return {...} end
local t = pack(1, 2, 3)
print(#t, t[1], t[3])
--- varargs with n
local function packn(...) return {n = select('#', ...), ...} end
local t = packn(nil, 2, nil)
print(t.n, t[1], t[2], t[3])
--- varargs first value
local function first(...) local a = ... return a end
print(first(9, 8, 7), first())
--- varargs local list
local function two(...) local a, b = ... return a, b end
print(two(1), two(1, 2, 3))
--- select positive negative
print(select(2, "a", "b", "c"))
print(select(-1, "a", "b", "c"))
print(select(-3, "a", "b", "c"))
print(select(3, "a", "b"))
print(select('#'))
--- select errors
print(pcall(select, 0, 1))
print(pcall(select, -5, 1))
print(pcall(select, 'x'))
--- multiple results in middle are truncated
local function mr() return 1, 2, 3 end
print(mr(), mr())
print(mr(), 10)
print(({mr(), mr()})[4] == nil)
--- multiple results expand at end of constructor
local function mr() return 1, 2, 3 end
local t1, t2 = {mr(), mr()}, {mr(), (mr())}
print(#t1, #t2)
--- parenthesized call truncates
local function mr() return 1, 2, 3 end
print((mr()))
local a, b = (mr())
print(a, b)
print(select('#', (mr())))
--- return with parens is not a tail call value list
local function mr() return 1, 2 end
local function f() return (mr()) end
print(f())
--- no return values
local function none() end
print(none())
print(select('#', none()))
local x = none()
print(x)
--- nil results kept in middle
local function nils() return nil, nil, 3 end
print(nils())
print(select('#', nils()))
--- method call syntax
local obj = {name = "o"}
function obj:greet(g) return g .. ", " .. self.name end
function obj.static(a) return a end
print(obj:greet("hi"), obj.greet(obj, "yo"), obj.static(5))
--- method call on expression
local function make() return {v = 3, get = function(self) return self.v end} end
print(make():get())
--- call with string and table arguments
local function id(x) return x end
print(id"str", id[[long]], id{1, 2}[2], type(id{}))
--- chained calls
local function adder(a) return function(b) return function(c) return a + b + c end end end
print(adder(1)(2)(3))
--- recursion mutual
local isodd
local function iseven(n) if n == 0 then return true end return isodd(n - 1) end
function isodd(n) if n == 0 then return false end return iseven(n - 1) end
print(iseven(10), isodd(7), iseven(3))
--- fib
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
print(fib(20))
--- tail calls moderate depth
local function loop(n, acc) if n == 0 then return acc end return loop(n - 1, acc + n) end
print(loop(1000, 0))
--- function as table field declaration
local M = {sub = {}}
function M.sub.deep(a) return a * 2 end
function M.sub:meth(a) return self == M.sub, a end
print(M.sub.deep(4), M.sub:meth(1))
--- global function declaration
function globalfn(x) return x + 1 end
print(globalfn(1), type(globalfn))
--- extra arguments ignored, missing are nil
local function f(a, b) return a, b end
print(f(1, 2, 3), f(1))
--- vararg after fixed params
local function f(a, ...) return a, select('#', ...), ... end
print(f(1, 2, 3))
print(f())
--- vararg in middle of call args truncated
local function f(...) return ... end
print(f(1, 2), f(3, 4))
--- returning many values
local function many() return 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 end
print(many())
print(select('#', many(), many()))
--- closures as arguments
local function apply(fn, ...) return fn(...) end
print(apply(function(a, b) return a * b end, 6, 7))
--- unpack
print(unpack({1, 2, 3}))
print(unpack({1, 2, 3}, 2))
print(unpack({1, 2, 3}, 2, 3))
print(unpack({}, 1, 3))
print(unpack({1, 2, 3}, 3, 1))
print(select('#', unpack({1, 2, nil})))
--- unpack errors
print(pcall(unpack))
print(pcall(unpack, {}, 1, 1e7))
