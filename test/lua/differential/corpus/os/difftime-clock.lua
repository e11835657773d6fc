-- os.difftime subtracts; os.clock is a number (its value differs by design).
print(os.difftime(10, 5), os.difftime(5, 10), os.difftime(1700000000, 0))
print(type(os.clock()), os.clock() >= 0)
