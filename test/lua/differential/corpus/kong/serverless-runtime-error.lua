-- Kong spec/03-plugins/33-serverless-functions/02-access_spec.lua:53 (mock_fn_nine): the error Kong turns into a 500.
local chunk = function()
  error("this should stop the request with a 500")
end
local ok, err = pcall(chunk)
print(ok, err)
