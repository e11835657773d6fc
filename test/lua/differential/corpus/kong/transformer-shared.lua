-- Kong spec/03-plugins/36-request-transformer/02-access_spec.lua:380-398: a pre-function sets
-- kong.ctx.shared.my_version, the template reads $(shared.my_version).
local kong = { ctx = { shared = {} } }
local pre_function = function() kong.ctx.shared.my_version = "1.2.3" end
local shared = kong.ctx.shared
print(tostring(shared.my_version))
pre_function()
print(shared.my_version)
