-- Kong spec/03-plugins/33-serverless-functions/02-access_spec.lua:27 (mock_fn_six), with ngx stubbed:
-- the count upvalue grows across "requests" (calls of the returned function).
local said = {}
local ngx = { ERR = 4, status = 0, log = function() end, say = function(v) said[#said + 1] = tostring(v) end,
  exit = function() end, worker = { pid = function() return 7 end } }
local chunk = function()
  local count = 0
  ngx.log(ngx.ERR, "mock_fn_six: initialization ran")
  return function()
      ngx.log(ngx.ERR, "mock_fn_six: function ran")
      count = count + 1
      ngx.status = 200
      ngx.say(ngx.worker.pid() * 1000 + count)
      ngx.exit(ngx.status)
    end
end
local handler = chunk()
for _ = 1, 5 do handler() end
print(table.concat(said, " "), ngx.status)
