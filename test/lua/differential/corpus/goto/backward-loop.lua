-- A backward goto builds a loop.
local i = 1
local out = {}
::top::
out[#out + 1] = i
i = i + 1
if i <= 5 then goto top end
print(table.concat(out, " "))
