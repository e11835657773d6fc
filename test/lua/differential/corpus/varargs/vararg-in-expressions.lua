-- ... in an expression takes its first value.
local function f(...)
  local a = ...
  local b = (...) 
  local s = ... .. "!"
  return a, b, s, select("#", ...)
end
print(f("x", "y"))
local function g(...) return ... == nil, ... end
print(g())
print(g(nil, 2))
