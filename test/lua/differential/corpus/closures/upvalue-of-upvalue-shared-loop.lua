-- A closure created in a loop body over a local from outside the loop is shared.
local total = 0
local adders = {}
for i = 1, 4 do adders[i] = function() total = total + i end end
for i = 1, 4 do adders[i]() end
adders[2]()
print(total)
