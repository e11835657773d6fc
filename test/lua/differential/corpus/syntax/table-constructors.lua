-- Table constructors: positional, named, bracketed keys, trailing separators, multiple results.
local function three() return 1, 2, 3 end
local t = { three(), three() }
print(#t, t[1], t[2], t[4])
local u = { three(), (three()) }
print(#u)
local v = { [1] = "a", "b", x = 1, ["y z"] = 2; 3, }
print(v[1], v[2], v.x, v["y z"])
local w = { [2] = "two", "one" }
print(w[1], w[2])
local n = { 1, 2, nil }
print(n[1], n[2], n[3])
local nested = { a = { b = { c = "deep" } } }
print(nested.a.b.c, nested["a"]["b"].c)
