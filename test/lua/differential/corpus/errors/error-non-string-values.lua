-- error accepts any value; numbers get a position like strings, other values are returned as-is.
print(pcall(error, nil))
print(pcall(error, false))
print(pcall(function() error(42) end))
print(pcall(function() error(42, 0) end))
local ok, e = pcall(function() error({ code = 404 }) end)
print(ok, type(e), e.code)
local ok2, e2 = pcall(function() error(true) end)
print(ok2, e2)
