-- Iterating varargs with select and with a table.
local function sum(...)
  local s = 0
  for i = 1, select("#", ...) do s = s + (select(i, ...)) end
  return s
end
local function sum2(...)
  local s = 0
  for _, v in ipairs({ ... }) do s = s + v end
  return s
end
print(sum(), sum(1), sum(1, 2, 3, 4.5), sum2(10, 20))
