-- %s with width and precision; non-strings through tostring.
print(string.format("[%s][%10s][%-10s][%.2s][%5.1s]", "abc", "abc", "abc", "abc", "abc"))
print(string.format("%s %s %s %s", 1, 1.5, true, nil))
print(string.format("%s", "with\0nul"):len())
print(string.format("%%|%s%%", "x"), string.format("no args"))
local mt = { __tostring = function(t) return "custom!" end }
print(string.format("%s", setmetatable({}, mt)))
