-- Numbers next to .. need a space; string literals and concatenation of numbers.
print(1 .. "", 1.5 .. "x", 10 .. 20)
print(2^53 .. "", -0.0 .. "", 1e100 .. "")
local n = 7
print(n .. n, "n=" .. n)
