-- Numeric for: inclusive bounds, default step 1, negative steps, empty ranges.
local function run(a, b, c)
  local out = {}
  if c then for i = a, b, c do out[#out + 1] = i end
  else for i = a, b do out[#out + 1] = i end end
  return "[" .. table.concat(out, ",") .. "]"
end
print(run(1, 5), run(5, 1), run(5, 1, -1), run(1, 10, 3), run(10, 1, -4))
print(run(1, 1), run(0, -1), run(-3, 3, 2))
