-- bit functions round non-integers and convert numeric strings; others are errors.
print(bit.band("0xff", "15"), bit.bor("3", 4), bit.tobit("12"))
print(bit.band(7.9, 7), bit.bor(0.4, 0), bit.lshift(1.6, 1))
print(pcall(function() local r = bit.band({}, 1) return r end))
print(pcall(function() local r = bit.bor(1, "x") return r end))
print(pcall(function() local r = bit.tohex() return r end))
