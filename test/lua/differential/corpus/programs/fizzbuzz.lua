-- FizzBuzz with string building.
local out = {}
for i = 1, 30 do
  out[#out + 1] = (i % 15 == 0 and "FizzBuzz") or (i % 3 == 0 and "Fizz") or (i % 5 == 0 and "Buzz") or tostring(i)
end
print(table.concat(out, " "))
