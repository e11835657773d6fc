-- continue in while and repeat loops via goto.
local i, out = 0, {}
while i < 8 do
  i = i + 1
  if i % 2 == 1 then goto cont end
  out[#out + 1] = i
  ::cont::
end
print(table.concat(out, " "))
local j = 0
repeat
  j = j + 1
  if j == 2 then goto skip end
  out[#out + 1] = "r" .. j
  ::skip::
until j >= 3
print(table.concat(out, " "))
