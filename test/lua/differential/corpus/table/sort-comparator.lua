-- table.sort with a comparator: descending, by field, stable tie-breaking by hand.
local t = { 3, 1, 2, 5, 4 }
table.sort(t, function(a, b) return a > b end)
print(table.concat(t, " "))
local people = { { n = "bo", a = 30 }, { n = "al", a = 25 }, { n = "cy", a = 30 }, { n = "di", a = 20 } }
table.sort(people, function(x, y) if x.a ~= y.a then return x.a < y.a end return x.n < y.n end)
local out = {}
for i, p in ipairs(people) do out[i] = p.n .. p.a end
print(table.concat(out, " "))
