-- floor and ceil on positives, negatives, -0, inf and huge values.
print(math.floor(3.7), math.floor(-3.7), math.floor(3), math.floor(-0.5), math.floor(0.5))
print(math.ceil(3.2), math.ceil(-3.2), math.ceil(-0.5), math.ceil(3))
print(math.floor(1/0), math.ceil(-1/0), math.floor(0/0), math.floor(2^60 + 0.5))
print(math.floor("2.5"), pcall(function() local r = math.floor("x") return r end))
