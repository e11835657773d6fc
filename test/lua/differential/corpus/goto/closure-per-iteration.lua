-- A local declared after a label is fresh on each backward jump; closures see each copy.
local fs = {}
local i = 1
::again::
local v = i * 10
fs[i] = function() return v end
i = i + 1
if i <= 3 then goto again end
print(fs[1](), fs[2](), fs[3]())
