-- __newindex as a function: read-only tables and logging writes.
local log = {}
local ro = setmetatable({}, {
  __index = { x = 1 },
  __newindex = function(t, k, v) log[#log + 1] = k .. "=" .. tostring(v) end,
})
ro.y = 2
ro.x = 5
print(ro.x, rawget(ro, "y"), table.concat(log, " "))
local strict = setmetatable({}, { __newindex = function(_, k) error("cannot set " .. k, 2) end })
print(pcall(function() strict.z = 1 end))
