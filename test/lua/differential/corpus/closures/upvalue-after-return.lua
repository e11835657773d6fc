-- Upvalues outlive the function that created them (closed on return).
local function make()
  local a, b = 1, 2
  local function f() a = a + b return a end
  b = 10
  return f
end
local f = make()
print(f(), f(), f())
