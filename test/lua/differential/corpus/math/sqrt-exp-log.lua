-- sqrt, exp, log (natural and with base in LuaJIT 2.1), log10.
print(math.sqrt(16), math.sqrt(2), math.sqrt(-1), math.sqrt(1/0))
print(math.exp(0), math.exp(1), math.exp(-1), math.exp(710))
print(math.log(1), math.log(math.exp(2)), math.log(0), math.log(-1))
print(math.log(8, 2), math.log(100, 10), math.log10(1000), math.log10(0.001))
