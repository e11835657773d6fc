-- Kong spec/03-plugins/33-serverless-functions/01-schema_spec.lua:3 (mock_fn_one), run as a chunk.
local chunk = function()
  return ("hello world!"):find("world")
end
print(chunk())
print(type(chunk()))
