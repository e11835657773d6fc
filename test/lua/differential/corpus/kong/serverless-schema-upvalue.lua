-- Kong spec/03-plugins/33-serverless-functions/01-schema_spec.lua:5 (mock_fn_three): a chunk returning a
-- function; Kong calls the chunk once and the returned function on every request, so x persists.
local chunk = function()
  local x = 1 return function() x = x + 1 return x end
end
local handler = chunk()
print(type(handler), handler(), handler(), handler())
local other = chunk()
print(other(), handler())
