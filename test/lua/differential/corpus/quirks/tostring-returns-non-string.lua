-- LuaJIT 2.1 does not check what __tostring returns.
local t = setmetatable({}, { __tostring = function() return 12 end })
print(tostring(t), type(tostring(t)))
local u = setmetatable({}, { __tostring = function() return nil end })
print(tostring(u))
