-- tonumber on hex strings, hex floats and exponents.
print(tonumber("0x10"), tonumber("0X1f"), tonumber("-0x10"), tonumber("0x"), tonumber("0xg"))
print(tonumber("0x1p4"), tonumber("0x.8"), tonumber("0x1P-1"), tonumber("0xA.8"))
print(tonumber(" 0x10 "), tonumber("0x7fffffff"), tonumber("0xffffffffffffffff"))
print(tonumber("0x1e"), tonumber("0x1e+1"), tonumber("1x10"))
