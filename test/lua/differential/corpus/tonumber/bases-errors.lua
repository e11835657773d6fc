-- tonumber's base must be within 2..36.
print(pcall(function() local r = tonumber("1", 1) return r end))
print(pcall(function() local r = tonumber("1", 37) return r end))
print(pcall(function() local r = tonumber("1", 0) return r end))
print(pcall(function() local r = tonumber() return r end))
print(tonumber(nil))
print(tonumber(10, 16), tonumber("10", 16.0))
