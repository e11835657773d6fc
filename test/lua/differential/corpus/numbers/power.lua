-- ^ is right-associative and always a float operation.
print(2 ^ 3 ^ 2, 2 ^ 0, 0 ^ 0, 0 ^ -1, (-2) ^ 3, (-2) ^ 0.5)
print(math.huge ^ 0, 1 ^ math.huge, 2 ^ 1024, 2 ^ -1080)
print(4 ^ 0.5, 27 ^ (1/3), 10 ^ -3)
