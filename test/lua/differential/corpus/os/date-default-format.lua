-- os.date with a fixed time and several strftime conversions in UTC.
local t = 0
print(os.date("!%Y%m%d", t), os.date("!%I %M %S %p", t + 13 * 3600 + 62))
print(os.date("!%U %W %j", 1700000000), os.date("!%d/%m/%y", 1e9))
print(os.date("!literal text only", t))
