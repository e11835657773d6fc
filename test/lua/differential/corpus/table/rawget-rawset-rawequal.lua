-- raw access bypasses metamethods.
local t = setmetatable({}, {
  __index = function(_, k) return "meta-" .. k end,
  __newindex = function(t, k, v) rawset(t, k, v .. "!") end,
})
print(t.a, rawget(t, "a"))
t.b = "set"
print(t.b, rawget(t, "b"))
rawset(t, "c", "raw")
print(t.c)
print(rawequal(t, t), rawequal(t, {}), rawequal("a", "a"), rawequal(1, 1.0))
print(pcall(rawset, t, nil, 1))
