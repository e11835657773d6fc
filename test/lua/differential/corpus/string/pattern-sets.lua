-- Sets: ranges, classes inside sets, negation, ']' and '-' as literals.
local s = "a-b]c^d1_2"
print(s:gsub("[a-c]", "."))
print(s:gsub("[^a-c]", "."))
print(s:gsub("[%d_]", "#"))
print(s:gsub("[]]", "!"))
print(s:gsub("[-]", "+"))
print(s:gsub("[a-]", "*"))
print(s:gsub("[%^]", "v"))
print(s:gsub("[^]]", ""))
