-- Calling a non-function iterator and iterating nil give LuaJIT's messages.
print(pcall(function() for k in nil do end end))
print(pcall(function() for k in 42 do end end))
print(pcall(function() local t = nil for k, v in pairs(t) do end end))
print(pcall(function() for k, v in ipairs() do end end))
