-- Concatenation converts numbers with %.14g.
print(1 .. "", 1.0 .. "", -0 .. "", 1e15 .. "", 2^53 .. "")
print(0.1 .. "|" .. 1/3 .. "|" .. 1e100)
print("n" .. 1/0, "n" .. -1/0, "x" .. 0/0)
print(pcall(function() return "a" .. nil end))
print(pcall(function() return "a" .. {} end))
print(pcall(function() return "a" .. true end))
