-- A local declared in a while body is fresh each iteration; the loop counter outside is shared.
local fs = {}
local i = 1
while i <= 3 do
  local j = i
  fs[i] = function() return i, j end
  i = i + 1
end
for k = 1, 3 do print(fs[k]()) end
