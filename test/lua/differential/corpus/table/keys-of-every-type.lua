-- Table keys of every type; float keys with integer values are normalised.
local t = {}
local f = function() end
local k = {}
t[1] = "int"; t[1.5] = "float"; t["1"] = "str"; t[true] = "bool"; t[f] = "fn"; t[k] = "tbl"
print(t[1], t[1.0], t[1.5], t["1"], t[true], t[false], t[f], t[k], t[{}])
t[2^53] = "big"
print(t[2^53], t[-0], t[0])
t[0] = "zero"
print(t[-0])
print(pcall(function() t[nil] = 1 end))
