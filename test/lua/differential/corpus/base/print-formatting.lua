-- print separates arguments with tabs and converts with tostring.
print()
print(nil)
print(nil, nil)
print(1, "two", 3.5, true, false)
print("", "", "")
print("embedded\ttab", "new\nline")
print(setmetatable({}, { __tostring = function() return "custom" end }))
