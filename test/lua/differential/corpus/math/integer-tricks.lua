-- Common integer idioms on doubles: rounding, truncation, parity.
local function round(x) return math.floor(x + 0.5) end
local function trunc(x) return x >= 0 and math.floor(x) or math.ceil(x) end
print(round(2.5), round(-2.5), round(2.4999), trunc(-3.9), trunc(3.9))
print(7 % 2 == 1, -7 % 2, math.floor(7 / 2), math.floor(-7 / 2))
print(math.floor(2^31 + 0.5), math.floor(-2^31 - 0.5), math.fmod(2^53, 10))
