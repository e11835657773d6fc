-- `local function` makes the name visible inside its body; `local f = function` does not.
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
print(fib(20))
local g = 1
local g = function(n) return type(g) end
print(g(1))
