-- tonumber on decimal strings, whitespace and signs.
print(tonumber("10"), tonumber("-10"), tonumber("+10"), tonumber("1.5"), tonumber(".5"), tonumber("5."))
print(tonumber("  42  "), tonumber("\t\n42\r\v\f"), tonumber("4 2"), tonumber(""), tonumber(" "))
print(tonumber("1e3"), tonumber("1E-3"), tonumber("1e"), tonumber("e1"), tonumber("1e+"), tonumber(".e1"))
print(tonumber("."), tonumber("-"), tonumber("--1"), tonumber("+-1"), tonumber("1.2.3"))
print(tonumber(12), tonumber(-0), tonumber(1e300))
