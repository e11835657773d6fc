-- Kong spec/03-plugins/36-request-transformer/02-access_spec.lua:282 and :2117: $(10 * uri_captures.user1)
-- with user1 = "foo" fails (Kong answers 500); with a numeric capture it renders.
local uri_captures = { user1 = "foo" }
print(pcall(function() return 10 * uri_captures.user1 end))
uri_captures = { user1 = "7" }
print(pcall(function() return 10 * uri_captures.user1 end))
print("/requests/user2/" .. 10 * uri_captures.user1)
