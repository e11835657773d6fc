-- Kong spec/03-plugins/36-request-transformer/02-access_spec.lua:302, 316, 333: headers.host,
-- headers['x-remove-header'], query_params.q1. headers stands in for ngx.req.get_headers()
-- (lower-case keys; __index normalises case and underscores, as OpenResty's table does).
local function header_table(raw)
  local t = {}
  for k, v in pairs(raw) do t[k:lower()] = v end
  return setmetatable(t, { __index = function(tbl, k)
    if type(k) == "string" then return rawget(tbl, (k:lower():gsub("_", "-"))) end
  end })
end
local headers = header_table({ Host = "test15.test", ["X-Remove-Header"] = "its a test" })
local query_params = { q1 = "20" }
print(headers.host, headers['x-remove-header'], query_params.q1)
print(headers.Host, headers.x_remove_header, headers["X-REMOVE-HEADER"], headers.missing)
