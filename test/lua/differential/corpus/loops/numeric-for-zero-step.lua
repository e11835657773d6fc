-- A zero step in LuaJIT: the loop runs while the condition holds (bounded here with break).
local n = 0
for i = 1, 3, 0 do n = n + 1 if n >= 5 then break end end
print(n)
n = 0
for i = 3, 1, 0 do n = n + 1 if n >= 5 then break end end
print(n)
