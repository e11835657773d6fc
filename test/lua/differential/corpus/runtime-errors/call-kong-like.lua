-- Typical snippet mistakes: a misspelled function on a library table.
local function try(f) local ok, e = pcall(f) print(e) end
try(function() string.trim("x") end)
try(function() table.contains({}, 1) end)
try(function() local s = "x" s:trim() end)
try(function() math.round(1.5) end)
