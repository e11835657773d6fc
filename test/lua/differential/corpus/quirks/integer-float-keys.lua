-- 1 and 1.0 are the same key; 2^53 and 2^53+1 collapse.
local t = { [1] = "a" }
t[1.0] = "b"
print(t[1], #t)
t[2^53] = "x"
t[2^53 + 1] = "y"
print(t[2^53])
