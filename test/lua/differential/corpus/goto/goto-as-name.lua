-- LuaJIT 2.1 reads `goto` as a statement only when a name follows it, so it still works as a variable.
local goto = 1
goto = goto + 1
print(goto)
local t = { goto = "field" }
print(t.goto)
