-- math functions check their arguments.
print(pcall(function() local r = math.sqrt() return r end))
print(pcall(function() local r = math.abs(nil) return r end))
print(pcall(function() local r = math.floor({}) return r end))
print(pcall(function() local r = math.fmod(1) return r end))
print(math.sqrt("4"), math.abs("-2"))
