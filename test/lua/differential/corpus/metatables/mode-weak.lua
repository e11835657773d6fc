-- __mode is accepted; strongly referenced entries stay.
local cache = setmetatable({}, { __mode = "k" })
local key = {}
cache[key] = "value"
print(cache[key], getmetatable(cache).__mode)
local vals = setmetatable({}, { __mode = "v" })
vals[1] = "str"
print(vals[1])
