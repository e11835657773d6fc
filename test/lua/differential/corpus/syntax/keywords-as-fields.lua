-- Keywords can be table keys through strings; `goto` is a keyword in LuaJIT 2.1.
local t = { ["end"] = 1, ["while"] = 2, ["nil"] = 3 }
print(t["end"], t["while"], t["nil"])
local u = {}
u["function"] = "f"
print(u["function"])
local s = { self = "self is not a keyword" }
print(s.self)
