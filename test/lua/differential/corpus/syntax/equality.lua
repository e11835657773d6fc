-- == compares by value for numbers/strings/booleans, by reference for tables and functions.
local t1, t2 = {}, {}
print(t1 == t2, t1 == t1, t1 ~= t2)
print(1 == 1.0, "1" == 1, 0 == -0, "a" == "a")
print(nil == false, false == false, nil == nil)
local f = function() end
print(f == f, (function() end) == (function() end))
print(0/0 == 0/0, 1/0 == 2/0)
