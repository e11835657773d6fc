-- __tostring is used by tostring and print; __name is not (LuaJIT 2.1).
local p = setmetatable({ x = 1, y = 2 }, { __tostring = function(s) return "(" .. s.x .. "," .. s.y .. ")" end })
print(p, tostring(p), "[" .. tostring(p) .. "]")
local num = setmetatable({}, { __tostring = function() return 42 end })
print(pcall(tostring, num))
local named = setmetatable({}, { __name = "MyType" })
print(tostring(named):sub(1, 6))
