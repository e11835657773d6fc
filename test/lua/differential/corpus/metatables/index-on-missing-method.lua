-- A metamethod field that is not a function: __index = 5 makes indexing fail.
local t = setmetatable({}, { __index = 5 })
print(pcall(function() return t.x end))
local c = setmetatable({}, { __call = 5 })
print(pcall(function() return c() end))
