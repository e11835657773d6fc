-- Loops with large bounds and inf terminate as doubles do.
local n = 0
for i = 2^53 - 3, 2^53 - 1 do n = n + 1 end
print(n)
n = 0
for i = 1, math.huge do n = n + 1 if n == 7 then break end end
print(n)
n = 0
for i = -math.huge, 0 do n = n + 1 break end
print(n)
