-- Kong spec/03-plugins/36-request-transformer/02-access_spec.lua:252, 262, 272, 292, 489: $(...)
-- expressions over uri_captures, each a function here (Kong compiles "return <expr>").
local uri_captures = { [0] = "/user1/foo/user2/bar", user1 = "foo", user2 = "bar", subpath = "v2/x" }
local exprs = {
  function() return uri_captures.user1 end,
  function() return uri_captures.user2 end,
  function() return uri_captures.user1 or 'default1' end,
  function() return uri_captures[0] end,
  function() return uri_captures["subpath"] end,
}
for i, e in ipairs(exprs) do print(i, tostring(e())) end
print("/requests/user2/" .. uri_captures.user2 .. "/user1/" .. uri_captures.user1)
local empty = {}
uri_captures = empty
print(uri_captures.user1 or 'default1', uri_captures.user2 or 'default2')
