-- pcall returns true and the results, or false and the error value.
print(pcall(function() return 1, 2, 3 end))
print(pcall(function() error("boom") end))
print(pcall(function(a, b) return a + b end, 2, 3))
print(pcall(pcall, error, "nested"))
print(select("#", pcall(function() end)))
