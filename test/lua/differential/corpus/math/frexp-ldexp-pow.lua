-- frexp, ldexp and pow.
print(math.frexp(8), math.frexp(0.5), math.frexp(0), math.frexp(-3))
print(math.ldexp(1, 10), math.ldexp(0.5, 1), math.ldexp(3, -1))
print(math.pow(2, 10), math.pow(2, 0.5), math.pow(-8, 1/3), math.pow(0, 0))
