-- string.rep with counts, separators and edge cases.
print(("ab"):rep(3), ("ab"):rep(1), ("ab"):rep(0) == "", ("ab"):rep(-1) == "")
print(("x"):rep(3, ","), ("x"):rep(1, ","), ("x"):rep(0, ",") == "")
print(#("abc"):rep(100), (""):rep(5) == "", ("a"):rep(2.7))
print(pcall(function() local r = ("x"):rep() return r end))
