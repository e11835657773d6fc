-- error() with no arguments raises nil.
print(pcall(error))
print(select("#", pcall(error)))
local ok, e = pcall(function() error() end)
print(ok, e == nil)
