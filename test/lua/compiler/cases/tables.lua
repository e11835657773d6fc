--- constructor positional and keyed
local t = {1, 2, 3, x = "a", ["y z"] = "b", [10] = "c"}
print(#t, t[1], t[3], t.x, t["y z"], t[10], t[4])
--- constructor separators
local t = {1; 2, 3;}
print(#t)
--- positional overrides earlier keyed
local t = {[1] = "a", "b"}
print(t[1])
--- keyed after positional wins
local t = {"b", [1] = "a"}
print(t[1])
--- nil values in constructor
local t = {x = nil, y = 1}
print(t.x, t.y)
--- length with trailing nil
print(#{1, 2, nil}, #{nil}, #{}, #{n = 1})
--- length after removing last
local t = {1, 2, 3}
t[3] = nil
print(#t)
t[#t] = nil
print(#t)
--- append with length
local t = {}
for i = 1, 10 do t[#t + 1] = i * i end
print(#t, t[10])
--- nested tables
local t = {a = {b = {c = "deep"}}}
print(t.a.b.c, t["a"]["b"]["c"])
--- table keys of many types
local t = {}
local k1, k2 = {}, function() end
t[k1] = "table" t[k2] = "function" t[true] = "bool" t[1.5] = "float" t["1"] = "string one" t[1] = "one"
print(t[k1], t[k2], t[true], t[1.5], t["1"], t[1])
--- integer float key equivalence
local t = {}
t[3] = "x"
print(t[3.0], t[3])
t[2^53] = "big"
print(t[2^53])
--- nil and NaN keys
print(pcall(function() local t = {} t[nil] = 1 end))
print(pcall(function() local t = {} t[0 / 0] = 1 end))
print(({})[nil])
--- ipairs stops at nil
local t = {1, 2, nil, 4}
local n = 0
for i, v in ipairs(t) do n = n + 1 end
print(n)
--- ipairs order
for i, v in ipairs({"a", "b", "c"}) do io.write(i, "=", v, " ") end
print()
--- pairs over array part in order
for k, v in pairs({10, 20, 30}) do io.write(k, ":", v, " ") end
print()
--- pairs counts all entries
local t = {1, 2, 3, a = 1, b = 2, c = 3}
local n, sum = 0, 0
for k, v in pairs(t) do n = n + 1 sum = sum + v end
print(n, sum)
--- pairs with assignment to existing keys during traversal
local t = {a = 1, b = 2, c = 3}
for k, v in pairs(t) do t[k] = v * 10 end
print(t.a + t.b + t.c)
--- pairs removing during traversal
local t = {a = 1, b = 2, c = 3, d = 4}
for k in pairs(t) do t[k] = nil end
print(next(t))
--- next
local t = {5}
print(next(t))
print(next(t, 1))
print(next({}))
print(pcall(next))
--- next invalid key
print(pcall(next, {}, "nokey"))
--- custom stateless iterator
local function iter(t, i) i = i + 1 if t[i] then return i, t[i] end end
for i, v in iter, {"x", "y"}, 0 do io.write(i, v, " ") end
print()
--- closure iterator
local function range(n) local i = 0 return function() i = i + 1 if i <= n then return i end end end
local s = 0
for i in range(5) do s = s + i end
print(s)
--- iterator returning three values
local function triples() local i = 0 return function() i = i + 1 if i <= 2 then return i, i * 2, i * 3 end end end
for a, b, c in triples() do io.write(a, b, c, " ") end
print()
--- more loop variables than values
for a, b, c, d in ipairs({"x"}) do print(a, b, c, d) end
--- generic for with explicit next
local n = 0
for k, v in next, {1, 2, 3} do n = n + v end
print(n)
--- modifying loop table of ipairs
local t = {1, 2, 3}
for i, v in ipairs(t) do if i == 1 then t[4] = 4 end end
print(#t)
--- rawget rawset rawequal
local t = setmetatable({}, {__index = function() return "meta" end, __newindex = function() error("no") end})
rawset(t, "k", "v")
print(rawget(t, "k"), rawget(t, "missing"), t.missing, rawequal(t, t), rawequal(t, {}))
--- rawset returns table
local t = {}
print(rawset(t, 1, 2) == t, t[1])
--- table identity
local a, b = {}, {}
print(a == b, a == a, a ~= b)
--- large array
local t = {}
for i = 1, 1000 do t[i] = i end
local s = 0
for i = 1, #t do s = s + t[i] end
print(#t, s)
--- sparse then filled
local t = {}
t[3] = 3 t[2] = 2 t[1] = 1
print(#t, t[1], t[2], t[3])
--- numeric string keys differ from numbers
local t = {}
t["1"] = "s" t[1] = "n"
print(t["1"], t[1])
--- table with function values and self
local acc = {total = 0}
function acc:add(n) self.total = self.total + n return self end
acc:add(1):add(2):add(3)
print(acc.total)
--- constructor evaluates items in source order
local n = 0
local function f() n = n + 1 return n end
local function m() n = n + 1 return n, n * 10 end
local t = {x = f(), m()}
print(t.x, t[1], t[2])
local t2 = {f(), y = f(), f(), [f()] = f(), m()}
print(t2[1], t2.y, t2[2], t2[6], t2[3], t2[4])
local t3 = {f(), f(), z = f(), f()}
print(t3[1], t3[2], t3.z, t3[3])
--- constructor keys from expressions
local function k() return "key" end
local t = {[k()] = 1, [1 + 1] = "two", [k() .. "2"] = 3, [true] = "t"}
print(t.key, t[2], t.key2, t[true])
--- chained method calls on results
local o = {v = 1}
function o:inc() self.v = self.v + 1 return self end
print(o:inc():inc():inc().v)
--- record constructors
local a, b, c, d, e = {x = 1}, {x = 1, y = nil}, {p = 1, q = 2, r = 3}, {k1 = 1, k2 = 2, k3 = 3, k4 = 4, k5 = nil}, {["s p"] = 1, x = 2}
local n = 0
for _ in pairs(d) do n = n + 1 end
print(a.x, b.x, b.y, c.p + c.q + c.r, d.k4, d.k5, n, e["s p"])
--- duplicate keys in a constructor
local t = {x = 1, x = nil, y = 1, y = 2}
print(t.x, t.y)
