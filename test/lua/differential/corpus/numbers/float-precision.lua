-- Doubles: 0.1 + 0.2, large sums, rounding at 2^53.
print(0.1 + 0.2 == 0.3, 0.1 + 0.2, 0.3)
print(2^53 + 1 == 2^53, 2^53 + 2)
local s = 0
for i = 1, 10 do s = s + 0.1 end
print(s, s == 1)
print(string.format("%.17g", 0.1), string.format("%.20f", 0.1))
