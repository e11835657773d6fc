-- os.date("!*t") and "*t" return a table of fields (TZ=UTC for the local one).
local d = os.date("!*t", 1700000000)
local keys = {}
for k, v in pairs(d) do keys[#keys + 1] = k .. "=" .. tostring(v) end
table.sort(keys)
print(table.concat(keys, " "))
local l = os.date("*t", 86400 * 365)
print(l.year, l.month, l.day, l.yday, l.wday, l.isdst)
