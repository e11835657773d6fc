-- __metatable hides and protects a metatable.
local t = setmetatable({}, { __metatable = "locked" })
print(getmetatable(t))
print(pcall(setmetatable, t, {}))
local u = setmetatable({}, { __metatable = false })
print(getmetatable(u))
print(getmetatable({}), getmetatable(1), getmetatable(nil))
