-- Unary minus on non-numbers.
local function try(f) local ok, e = pcall(f) print(e) end
try(function() local t = {} return -t end)
try(function() local s = "x" return -s end)
try(function() return -nil_global end)
