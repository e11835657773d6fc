-- Modulo and negative zero.
print(0 % -1, -0 % 1, 5 % -5, -5 % 5)
print(math.fmod(-0, 1), math.fmod(-6, 3))
