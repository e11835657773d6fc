-- load with a reader function, and with a string (LuaJIT 2.1 accepts both).
local parts = { "return ", "40 ", "+ 2" }
local i = 0
local f = load(function() i = i + 1 return parts[i] end)
print(f())
local g = load("return ...")
print(g("a", "b"))
print(load("syntax error here"))
