-- fmod keeps the dividend's sign; modf splits integer and fractional parts.
print(math.fmod(7, 3), math.fmod(-7, 3), math.fmod(7, -3), math.fmod(5.5, 2))
print(math.fmod(1, 0), math.fmod(0, 1), math.fmod(1/0, 2))
print(math.modf(3.7), math.modf(-3.7), math.modf(5), math.modf(1/0), math.modf(-0.0))
