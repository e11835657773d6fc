-- Arithmetic converts numeric strings (decimal, hex, exponent, whitespace) to numbers.
print("10" + 1, "3" * "4", "2" ^ "3", "10" / "4", "7" % "3", "1e2" + 0)
print("0x10" + 0, " 5 " + 1, "\t6\n" * 1, "-2" + 0, "+3" + 0)
print(type("1" + 1), "1.5" + "1.5")
print(pcall(function() return "abc" + 1 end))
print(pcall(function() return "1a" + 1 end))
print(pcall(function() return "" + 1 end))
