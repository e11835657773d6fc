-- tonumber(s, base) for bases 2..36, upper and lower case digits.
print(tonumber("101", 2), tonumber("777", 8), tonumber("ff", 16), tonumber("FF", 16), tonumber("zz", 36))
print(tonumber("Z", 36), tonumber("10", 36), tonumber("11", 3), tonumber("19", 10), tonumber("9", 8))
print(tonumber("-101", 2), tonumber(" 101 ", 2), tonumber("1 01", 2), tonumber("", 2))
print(tonumber("102", 2), tonumber("0x10", 16), tonumber("1.5", 10), tonumber("7fffffff", 16))
for b = 2, 36, 7 do print(b, tonumber("11", b)) end
