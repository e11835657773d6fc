-- In LuaJIT 2.1 (no 5.2 compat) # on a table ignores __len.
local t = setmetatable({ 1, 2, 3 }, { __len = function() return 99 end })
print(#t)
print(rawequal(#t, 3))
