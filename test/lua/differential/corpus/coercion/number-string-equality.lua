-- No coercion for == or table keys: "1" and 1 are different keys.
local t = {}
t[1] = "number"
t["1"] = "string"
print(t[1], t["1"], 1 == "1")
t[1.0] = "float one"
print(t[1])
t[2^53] = "big"
print(t[2^53], t[2^53 + 1])
