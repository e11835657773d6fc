-- Strings share a metatable whose __index is the string library.
local mt = getmetatable("")
print(type(mt), mt.__index == string, ("x").len == string.len)
print(("abc"):upper(), ("%d"):format(5), #("x"):rep(10))
print(pcall(function() local r = ("x"):nosuch() return r end))
print(pcall(function() local s = "x" return s.y.z end))
