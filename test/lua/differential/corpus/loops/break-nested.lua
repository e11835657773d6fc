-- break leaves only the innermost loop.
local out = {}
for i = 1, 3 do
  for j = 1, 3 do
    if j > i then break end
    out[#out + 1] = i .. j
  end
end
print(table.concat(out, " "))
local n = 0
while true do
  n = n + 1
  repeat n = n + 10 break until false
  if n > 30 then break end
end
print(n)
