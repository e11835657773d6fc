-- assert returns all its arguments or raises its message (any value).
print(assert(1, 2, 3))
print(pcall(function() assert(false) end))
print(pcall(function() assert(nil, "custom message") end))
print(pcall(function() assert(false, 42) end))
local ok, e = pcall(function() assert(false, { "tbl" }) end)
print(ok, type(e), e[1])
print(pcall(function() assert() end))
print(select("#", assert(true)))
