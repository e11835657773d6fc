-- Concatenation errors name the variable when LuaJIT knows it.
local function try(f) local ok, e = pcall(f) print(e) end
try(function() local name return "hello " .. name end)
try(function() return "x" .. {} end)
try(function() local t = {} return t.missing .. "x" end)
try(function() return "a" .. undefined_var end)
try(function() local b = false return b .. "" end)
try(function() local a, b = "x", nil return a .. "-" .. b .. "-" end)
