-- type() of every kind of value.
print(type(nil), type(true), type(0), type(""), type({}), type(print), type(function() end))
print(type(coroutine.create(function() end)), type(type), type(type(1)))
print(pcall(function() local r = type() return r end))
