-- LuaJIT 2.1 (without 5.2 compat) ignores __pairs and __ipairs.
local t = setmetatable({ "a" }, {
  __pairs = function() return function() return nil end, nil, nil end,
  __ipairs = function() error("not called") end,
})
local n = 0
for _ in pairs(t) do n = n + 1 end
for _ in ipairs(t) do n = n + 1 end
print(n)
