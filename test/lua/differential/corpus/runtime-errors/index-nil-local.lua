-- Indexing nil through a local, a global, a field and an upvalue: LuaJIT names each.
local function try(f) local ok, e = pcall(f) print(e) end
try(function() local cfg = nil return cfg.host end)
try(function() return undefined_global.x end)
try(function() local t = {} return t.a.b end)
local up = nil
try(function() return up.x end)
try(function() local t = { a = {} } return t.a.b.c end)
try(function() local t = {} return t[1].x end)
