-- and/or short-circuit and return one of their operands.
local calls = 0
local function hit(v) calls = calls + 1 return v end
print(hit(false) and hit(1), calls)
print(hit(nil) or hit(2), calls)
print(hit(1) or hit(3), calls)
print(hit(1) and hit(nil), calls)
print(1 and 2 or 3, nil and 2 or 3, false or nil and 1)
local x = nil
print(x and x.y or "default")
