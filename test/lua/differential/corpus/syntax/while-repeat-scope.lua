-- repeat-until sees locals of its body; while and break.
local i = 0
repeat
  local j = i * 2
  i = i + 1
until j >= 6
print(i)
local n = 0
while true do
  n = n + 1
  if n > 4 then break end
end
print(n)
while false do print("never") end
repeat print("once") until true
