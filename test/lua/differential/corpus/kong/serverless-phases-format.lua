-- Kong spec/03-plugins/33-serverless-functions/04-phases_spec.lua:3 and :46: the snippet is a format
-- template (%s for plugin, phase, index); the expected log is gsub'd with "pre%-function".
local mock_one_fn = [[
  local plugin_name = "%s"
  local text = "phase: '%s', index: '%s', plugin: '" .. plugin_name .. "'\n"
]]
local config = {}
for _, phase in ipairs({ "certificate", "rewrite", "access" }) do
  config[phase] = {}
  for i, index in ipairs({ "first", "second" }) do
    config[phase][i] = mock_one_fn:format("post-function", phase, index)
  end
end
print(config.access[2])
print(#config.rewrite, config.certificate[1]:match('plugin_name = "(.-)"'))
local expected = ("phase: 'log', index: 'first', plugin: 'pre-function'\n"):gsub("pre%-function", "post-function")
print(expected)
