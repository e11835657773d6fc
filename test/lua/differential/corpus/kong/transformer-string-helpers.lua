-- Kong spec/03-plugins/36-request-transformer/02-access_spec.lua:2641, 2651, 2835: type(),
-- string.sub and string.format over query_params.
local query_params = { user = "foobar", user1 = "foo", user2 = "bar" }
print(type(query_params.user))
print(string.sub(query_params.user, 1, 3))
print(string.format('u1:%s;u2:%s', query_params.user1, query_params.user2))
local multi = { user = { "a", "b" } }
print(type(multi.user), pcall(function() local r = string.sub(multi.user, 1, 3) return r end))
