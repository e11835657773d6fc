-- Kong kong/plugins/request-transformer/access.lua (iter): "name:value" pairs split with
-- ^([^:]+):*(.-)$, as the configs of spec/03-plugins/36-request-transformer/02-access_spec.lua use.
for _, pair in ipairs({ "x-to-rename:x-is-renamed", "uri_param1:$(uri_captures.user1)", "h1", "a::b", "Content-Type:application/json", "q1:$('$(uri_captures.user1)')" }) do
  local name, value = pair:match("^([^:]+):*(.-)$")
  print(name, "[" .. value .. "]", value == "")
end
