-- ipairs returns the iterator, the table and 0; the iterator can be called by hand.
local f, t, i = ipairs({ "a", "b" })
print(type(f), type(t), i)
print(f(t, 0))
print(f(t, 1))
print(f(t, 2))
local mt = setmetatable({}, { __index = function(_, k) if k <= 3 then return k * 10 end end })
local out = {}
for i, v in ipairs(mt) do out[#out + 1] = v end
print(table.concat(out, ","))
