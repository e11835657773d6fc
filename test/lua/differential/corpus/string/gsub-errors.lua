-- gsub argument checks and invalid replacement escapes.
print(pcall(function() local r = ("a"):gsub("a", true) return r end))
print(pcall(function() local r = ("a"):gsub("a") return r end))
print(pcall(function() local r = ("abc"):gsub("(a)", "%2") return r end))
print(("abc"):gsub("a", "%1"))
print(pcall(function() local r = ("abc"):gsub("a", "%x") return r end))
