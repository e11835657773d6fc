-- Bounds and step are evaluated once; changing the loop variable does not change the iteration.
local calls = 0
local function lim() calls = calls + 1 return 3 end
local seen = {}
for i = 1, lim() do
  seen[#seen + 1] = i
  i = i * 100
end
print(table.concat(seen, ","), calls)
local n = 3
local cnt = 0
for i = 1, n do n = 10 cnt = cnt + 1 end
print(cnt)
