-- __newindex as a table redirects assignments of absent keys.
local store = {}
local proxy = setmetatable({}, { __newindex = store })
proxy.a = 1
print(rawget(proxy, "a"), store.a)
rawset(proxy, "b", 2)
proxy.b = 3
print(proxy.b, store.b)
