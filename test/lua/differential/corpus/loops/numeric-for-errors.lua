-- for needs numbers (strings are coerced); LuaJIT's messages.
print(pcall(function() for i = 1, "x" do end end))
print(pcall(function() for i = nil, 2 do end end))
print(pcall(function() for i = 1, 2, {} do end end))
local s = 0
for i = "1", "3" do s = s + i end
print(s)
