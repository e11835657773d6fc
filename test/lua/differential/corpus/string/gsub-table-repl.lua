-- gsub with a table: the first capture (or whole match) is the key; false/nil keep the original.
local vars = { name = "Kong", version = 3, off = false }
print(("$name v$version $missing $off"):gsub("%$(%w+)", vars))
print(("a b c"):gsub("%a", { a = "1", b = true and "2" }))
print(pcall(function() local r = ("a"):gsub("a", { a = {} }) return r end))
print(("x y"):gsub("(%a)", { x = 10 }))
