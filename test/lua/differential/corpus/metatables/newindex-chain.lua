-- __newindex to a table that itself has __newindex follows the chain.
local log = {}
local inner = setmetatable({}, { __newindex = function(t, k, v) log[#log + 1] = k rawset(t, k, v) end })
local outer = setmetatable({}, { __newindex = inner })
outer.a = 1
outer.b = 2
print(rawget(outer, "a"), inner.a, inner.b, table.concat(log, ","))
