-- tonumber(s, base) for bases other than 10 reads like C's strtoul: one sign, spaces, 0x in base 16.
local cases = { " +1f ", "-ff", "+-1", "-+1", "- 1", "\t\v1f\n", "0x1F", "-0X10", "0x", "0xg", "0x-1", "1f\0zz", "ff ff" }
for _, s in ipairs(cases) do print(string.format("%q", s), tonumber(s, 16), tonumber(s, 36)) end
print(tonumber("-0", 16), tonumber("", 16), tonumber(" ", 16), tonumber("-", 16))
-- Past 2^64 - 1 the value stays there; big values round as C converts them to a double.
print(tonumber("ffffffffffffffff", 16), tonumber("1ffffffffffffffff", 16), tonumber("-ffffffffffffffffff", 16))
print(string.format("%.17g", tonumber("20000000000001", 16)), string.format("%.17g", tonumber("zzzzzzzzzzzz", 36)))
print(string.format("%.17g", tonumber("1111111111111111111111111111111111111111111111111111111", 2)))
-- Base 10, given or not, is the ordinary conversion (hex and exponents included).
print(tonumber("0x10", 10), tonumber("1e2", 10), tonumber(" 12 ", 10.9), tonumber("12", "10"))
-- The base is checked first; a base other than 10 wants a string (numbers are converted).
print(tonumber(255, 16), tonumber(1e20, 36), tonumber(-12, 8))
print(pcall(function() local r = tonumber({}, 16) return r end))
print(pcall(function() local r = tonumber(nil, 16) return r end))
print(pcall(function() local r = tonumber("1", 1) return r end))
print(pcall(function() local r = tonumber({}, 99) return r end))
print(pcall(function() local r = tonumber("1", "x") return r end))
print(pcall(function() local r = tonumber() return r end))
