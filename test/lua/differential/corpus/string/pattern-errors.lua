-- Malformed patterns raise LuaJIT's messages.
local function try(p) local ok, e = pcall(function() local r = ("abc"):find(p) return r end) print(p, ok, e) end
try("[a")
try("%")
try("(a")
try("a)")
try("%b")
try("%f")
try("%fa")
try("(()")
