-- The same table comes back from pcall (identity preserved).
local obj = { msg = "x" }
local ok, e = pcall(error, obj)
print(ok, e == obj, e.msg)
local ok2, e2 = pcall(function() pcall(error, obj) error(obj) end)
print(ok2, e2 == obj)
