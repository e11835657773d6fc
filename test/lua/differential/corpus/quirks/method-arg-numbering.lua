-- In a method call LuaJIT counts arguments after self: s:rep() misses argument #1.
print(pcall(function() local r = ("x"):rep() return r end))
print(pcall(function() local r = ("x"):sub({}) return r end))
print(pcall(function() local r = string.sub("x", {}) return r end))
print(pcall(function() local r = ("%d"):format("z") return r end))
