-- string.format argument errors.
local function try(...) local ok, e = pcall(function(...) local r = string.format(...) return r end, ...) print(ok, e) end
try("%d", "x")
try("%d")
try("%s")
try("%y", 1)
try("%10.123f", 1)
try("%123d", 1)
try("%", 1)
try("%d", {})
try("%c", "a")
