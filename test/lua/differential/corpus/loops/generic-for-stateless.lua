-- A stateless iterator returning the control variable plus values; loop variable is a copy.
local function evens(max, cur)
  cur = cur + 2
  if cur <= max then return cur end
end
local out = {}
for v in evens, 10, 0 do out[#out + 1] = v v = 100 end
print(table.concat(out, " "))
