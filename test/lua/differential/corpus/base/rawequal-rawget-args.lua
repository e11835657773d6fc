-- raw functions check their arguments.
print(pcall(function() local r = rawget("s", 1) return r end))
print(pcall(function() local r = rawset({}, 1) return r end))
print(pcall(function() local r = rawequal(1) return r end))
print(rawget({ 5 }, 1), rawequal(nil, nil), rawequal({}, {}))
