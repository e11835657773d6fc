-- The left operand's metamethod is tried first, then the right one's; numbers and strings mix in.
local log = {}
local A = setmetatable({}, { __add = function(x, y) log[#log + 1] = "A" return "A+" end })
local B = setmetatable({}, { __add = function(x, y) log[#log + 1] = "B" return "B+" end })
print(A + B, B + A, A + 1, 1 + A, "s" + B)
print(table.concat(log, ""))
print(pcall(function() return {} + A end))
