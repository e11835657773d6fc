-- __gc on a table is ignored by LuaJIT (finalizers only run for userdata/cdata).
local ran = false
local t = setmetatable({}, { __gc = function() ran = true end })
t = nil
print(ran)
