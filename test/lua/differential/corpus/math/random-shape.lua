-- math.random values differ by design; only their shape is compared.
local r = math.random()
print(type(r), r >= 0 and r < 1)
local ok = true
for _ = 1, 50 do local v = math.random(6) if v < 1 or v > 6 or v % 1 ~= 0 then ok = false end end
for _ = 1, 50 do local v = math.random(-3, 3) if v < -3 or v > 3 then ok = false end end
print(ok, math.random(1, 1), math.random(5, 5))
