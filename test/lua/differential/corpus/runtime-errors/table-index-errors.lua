-- Table keys that are not allowed.
local function try(f) local ok, e = pcall(f) print(e) end
try(function() local t = {} t[nil] = 1 end)
try(function() local t = {} t[0/0] = 1 end)
try(function() local t = { [1] = 1 } return t[nil] end)
try(function() return rawset({}, 0/0, 1) end)
print("done")
