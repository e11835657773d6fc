-- Sieve of Eratosthenes.
local n, sieve, primes = 200, {}, {}
for i = 2, n do
  if not sieve[i] then
    primes[#primes + 1] = i
    for j = i * i, n, i do sieve[j] = true end
  end
end
print(#primes, table.concat(primes, " ", 1, 15), primes[#primes])
