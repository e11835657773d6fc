-- LuaJIT's string scanner also reads 0b binary integers; leading zeros are decimal, not octal.
print(tonumber("0b101"), tonumber("0B11"), tonumber("-0b11"), tonumber("0b"), tonumber("0b2"), tonumber("0b1.1"))
print(tonumber("017"), tonumber("0o17"), tonumber("1_000"), tonumber("0x1."), tonumber("0x.1"))
print(tonumber("1LL"), tonumber("1ULL"), tonumber("1i"), tonumber("0x1e-1"), tonumber("0x1p"), tonumber("0x.p1"))
print("0b11" + 0, "017" + 0)
