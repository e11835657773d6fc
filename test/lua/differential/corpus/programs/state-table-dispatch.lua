-- Dispatch through a table of functions keyed by strings.
local ops = {
  add = function(a, b) return a + b end, sub = function(a, b) return a - b end,
  mul = function(a, b) return a * b end, div = function(a, b) return a / b end,
}
local program = { { "add", 1, 2 }, { "mul", 3, 4 }, { "div", 1, 3 }, { "sub", 0, 0.5 }, { "pow", 2, 2 } }
for _, ins in ipairs(program) do
  local f = ops[ins[1]]
  print(ins[1], f and f(ins[2], ins[3]) or "unknown op")
end
