-- Tables as sets and counters, with sorted output.
local words = { "a", "b", "a", "c", "b", "a" }
local count = {}
for _, w in ipairs(words) do count[w] = (count[w] or 0) + 1 end
local keys = {}
for k in pairs(count) do keys[#keys + 1] = k end
table.sort(keys, function(x, y) return count[x] > count[y] end)
for _, k in ipairs(keys) do print(k, count[k]) end
