-- Kong spec/03-plugins/33-serverless-functions/02-access_spec.lua:99 and :114: strings the spec builds.
local pre, post = { PRIORITY = 1000000 }, { PRIORITY = -1000 }
print("expected the priority of PRE (" .. tostring(pre.PRIORITY) .. ") to be higher than POST (" .. tostring(post.PRIORITY) .. ")")
for _, plugin_name in ipairs({ "pre-function", "post-function" }) do
  print("Plugin: " .. plugin_name .. string.format(" (by %s)", "phase=functions") .. " access")
  print("one." .. plugin_name .. ".test")
end
