-- Many closures over distinct upvalues, then summed.
local fs = {}
for i = 1, 100 do
  local sq = i * i
  fs[i] = function(k) return sq + k end
end
local s = 0
for i = 1, 100 do s = s + fs[i](i) end
print(s)
