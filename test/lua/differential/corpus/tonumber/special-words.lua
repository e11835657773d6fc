-- LuaJIT reads inf, infinity and nan (any case, optional sign) as numbers; other words are not numbers.
print(tonumber("inf"), tonumber("nan"), tonumber("infinity"), tonumber("-inf"), tonumber("+inf"))
print(tonumber("INF"), tonumber("NaN"), tonumber("-Infinity"), tonumber(" inf "), tonumber("-nan"))
print(tonumber("infinit"), tonumber("in"), tonumber("infx"), tonumber("nan(1)"), tonumber("1inf"))
print("inf" + 1, "-inf" * 2, "nan" + 0)
print(tonumber("1e400"), tonumber("-1e400"), tonumber("1e-400"))
print(tonumber("0"), tonumber("-0"), tonumber("00012"), tonumber("0.000"))
