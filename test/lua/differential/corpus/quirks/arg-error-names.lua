-- Where LuaJIT cannot name the function from the call site (pcall of a library function, a tail
-- call), "bad argument" says '?' and has no position; a local alias is named by the alias.
print(pcall(string.rep))
print(pcall(function() return string.rep() end))
print(pcall(function() local r = string.rep() return r end))
print(pcall(function() local sr = string.rep local r = sr() return r end))
print(pcall(function() local r = ("x"):rep() return r end))
print(pcall(function() local t = { f = math.floor } local r = t.f("a") return r end))
