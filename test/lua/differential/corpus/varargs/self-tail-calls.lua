-- A function that tail-calls itself runs in constant stack: locals, globals, fields and methods.
local function count(n, acc) if n == 0 then return acc end return count(n - 1, acc + 1) end
print(count(300000, 0))
function gcount(n) if n <= 0 then return "global" end return gcount(n - 1) end
print(gcount(300000))
local M = {}
function M.down(n) if n == 0 then return "field" end return M.down(n - 1) end
function M:steps(n, ...) if n == 0 then return select("#", ...), ... end return self:steps(n - 1, ...) end
print(M.down(300000), M:steps(300000, "a", nil, "c"))
-- Arguments count as in any call: missing ones are nil, extra ones are dropped or become `...`.
local function fewer(a, b, c) if a == 0 then return b, c end return fewer(a - 1) end
print(fewer(2, "x", "y"))
local function more(a, ...) if a == 0 then return select("#", ...) end return more(a - 1, 1, 2, ...) end
print(more(3))
local function spread(a, b, c) if a == 0 then return b, c end return spread(select(2, "skip", a - 1, "s1", "s2")) end
print(spread(4, 0, 0))
-- Each pass has its own locals: closures made on the way keep their own values.
local function collect(n, fs) if n == 0 then return fs end fs[#fs + 1] = function() return n end return collect(n - 1, fs) end
local fs = collect(3, {})
print(fs[1](), fs[2](), fs[3]())
-- A tail call of another function, and one through a variable that changes on the way.
local function twice(x) return x * 2 end
local function via(n) return twice(n) end
print(via(21))
local hop
hop = function(n) if n == 0 then return "hopped" end if n == 5 then hop = twice end return hop(n - 1) end
print(hop(10))
-- Errors raised in a pass, and a library call in tail position: LuaJIT's '?' naming.
local function bad(n) if n == 0 then local x = nil return x.y end return bad(n - 1) end
print(pcall(bad, 100))
local function lib(n) if n == 0 then return string.rep() end return lib(n - 1) end
print(pcall(lib, 100))
