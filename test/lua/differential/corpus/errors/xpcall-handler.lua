-- xpcall calls the handler with the error value; its result replaces the error.
print(xpcall(function() error("x") end, function(m) return "handled: " .. m end))
print(xpcall(function() return "fine", 2 end, function() return "unused" end))
print(xpcall(function() local t = nil return t.field end, function(m) return (m:gsub("^.-:%d+: ", "")) end))
print(xpcall(function() error({ 1, 2, 3 }) end, function(e) return #e end))
print(xpcall(function() error("a") end, function(e) error("b") end))
