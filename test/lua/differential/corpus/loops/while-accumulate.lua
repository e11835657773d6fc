-- while loops computing gcd, collatz steps and digit sums.
local function gcd(a, b) while b ~= 0 do a, b = b, a % b end return a end
local function collatz(n) local s = 0 while n ~= 1 do if n % 2 == 0 then n = n / 2 else n = 3 * n + 1 end s = s + 1 end return s end
local function digits(n) local s = 0 while n > 0 do s = s + n % 10 n = math.floor(n / 10) end return s end
print(gcd(1071, 462), gcd(17, 5), collatz(27), digits(987654321))
