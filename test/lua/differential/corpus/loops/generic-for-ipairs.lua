-- ipairs stops at the first nil and visits 1..n in order.
local out = {}
for i, v in ipairs({ "a", "b", nil, "d" }) do out[#out + 1] = i .. "=" .. v end
print(table.concat(out, " "))
for i, v in ipairs({}) do print("never") end
local t = { [1] = "x", [2] = "y", [4] = "skip" }
local n = 0
for _ in ipairs(t) do n = n + 1 end
print(n)
