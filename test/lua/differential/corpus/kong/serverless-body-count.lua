-- Kong spec/03-plugins/33-serverless-functions/02-access_spec.lua:39 (mock_fn_seven): the body is
-- a number that the snippet increments; here the body comes from a stub.
local body = "0"
local out
local ngx = { req = { read_body = function() end, get_body_data = function() return body end },
  say = function(v) out = v end, exit = function() end }
for _ = 1, 10 do
  ngx.req.read_body()
  local count = tonumber(ngx.req.get_body_data())
  count = count + 1
  ngx.status = 200
  ngx.say(count)
  ngx.exit(ngx.status)
  body = tostring(out)
end
print(out, type(out), body)
