-- xpcall in LuaJIT 2.1 passes extra arguments to the function.
print(xpcall(function(a, b) return a * b end, function(e) return e end, 6, 7))
print(pcall(function() local r = xpcall() return r end))
