-- Function statement forms: global, local, field, method, local recursion.
function g1(x) return x + 1 end
local function fact(n) if n <= 1 then return 1 end return n * fact(n - 1) end
local M = { sub = {} }
function M.sub.f(a) return "M.sub.f " .. a end
function M:m(a) return self == M, a end
print(g1(1), fact(10), M.sub.f("x"), M:m(5))
local anon = function(...) return select("#", ...) end
print(anon(), anon(nil), anon(nil, nil))
local f
f = function(n) if n == 0 then return "done" end return f(n - 1) end
print(f(5))
