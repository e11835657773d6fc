-- setmetatable returns its first argument; nil removes the metatable.
local t = {}
local mt = { __index = { a = 1 } }
print(setmetatable(t, mt) == t, t.a)
setmetatable(t, nil)
print(t.a, getmetatable(t))
print(pcall(function() setmetatable(t, 5) end))
print(pcall(function() setmetatable({}) end))
