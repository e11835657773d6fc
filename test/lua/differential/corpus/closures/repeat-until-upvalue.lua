-- repeat's condition can see a local captured by a closure in the body.
local fs = {}
local n = 0
repeat
  n = n + 1
  local m = n * n
  fs[n] = function() return m end
until m >= 9
print(fs[1](), fs[2](), fs[3]())
