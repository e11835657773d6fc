-- error(msg, 2) in a function called directly by pcall: level 2 is pcall itself, so no position.
print(pcall(function() error("lvl2", 2) end))
local function f() error("from f", 2) end
print(pcall(function() f() end))
print(pcall(f))
