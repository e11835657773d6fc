-- a % b == a - floor(a/b)*b: the sign follows the divisor; floats and inf.
print(7 % 3, -7 % 3, 7 % -3, -7 % -3)
print(5.5 % 2, -5.5 % 2, 5.5 % -2, 0.3 % 0.1)
print(1 % 0, -1 % 0, 0 % 0)
print(5 % math.huge, -5 % math.huge, math.huge % 2)
print(2^53 % 3, 1e15 % 7, -0 % 5)
