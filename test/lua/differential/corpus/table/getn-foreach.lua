-- LuaJIT keeps Lua 5.0's table.getn, table.foreach and table.foreachi.
print(table.getn({ 1, 2, 3 }), table.getn({}))
table.foreachi({ "a", "b" }, function(i, v) print(i, v) end)
local keys = {}
table.foreach({ x = 1, y = 2 }, function(k, v) keys[#keys + 1] = k .. v end)
table.sort(keys)
print(table.concat(keys, " "))
print(table.foreachi({ 1, 2, 3 }, function(i, v) if v == 2 then return "stop" .. i end end))
