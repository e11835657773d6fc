-- Errors inside metamethods propagate through the operation.
local t = setmetatable({}, { __index = function(_, k) error("no field " .. k) end })
print(pcall(function() return t.x end))
local u = setmetatable({}, { __add = function() error("cannot add", 0) end })
print(pcall(function() return u + 1 end))
local v = setmetatable({}, { __tostring = function() error("bad tostring", 0) end })
print(pcall(tostring, v))
