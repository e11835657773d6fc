-- _VERSION and the base functions and libraries Kong's sandbox lists.
print(_VERSION)
print(type(assert), type(error), type(ipairs), type(next), type(pairs), type(pcall), type(print))
print(type(select), type(tonumber), type(tostring), type(unpack), type(xpcall))
print(type(string), type(table), type(math), type(bit), type(os), type(coroutine))
