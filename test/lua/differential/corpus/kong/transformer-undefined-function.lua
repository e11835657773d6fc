-- Kong spec/03-plugins/36-request-transformer/02-access_spec.lua:428 and :359: calling a function
-- the template environment does not have (foo, ERROR) is a runtime error (Kong answers 500).
local headers = { ["User-Agent"] = "curl" }
print(pcall(function() return foo(headers["User-Agent"]) == "table" and headers["User-Agent"][1] or headers["User-Agent"] end))
print(pcall(function() return ERROR() end))
