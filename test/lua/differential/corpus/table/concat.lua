-- table.concat with separators, ranges, numbers, and errors for other values.
print(table.concat({ 1, 2, 3 }), table.concat({ 1, 2, 3 }, ", "), table.concat({}, "x") == "")
print(table.concat({ "a", "b", "c", "d" }, "-", 2, 3), table.concat({ "a", "b" }, "-", 3) == "")
print(table.concat({ 1.5, 2^53, -0 }, " "), table.concat({ "x" }, nil))
print(pcall(function() local r = table.concat({ 1, {}, 3 }) return r end))
print(pcall(function() local r = table.concat({ 1, 2 }, ",", 1, 3) return r end))
print(pcall(function() local r = table.concat({ true }) return r end))
