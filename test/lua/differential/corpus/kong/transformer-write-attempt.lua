-- Kong spec/03-plugins/36-request-transformer/02-access_spec.lua:479 and :2287: $(shared.written = true)
-- is not an expression, so compiling "return <expr>" fails.
local f, err = loadstring("return shared.written = true")
print(f, err)
local g, err2 = loadstring("return '$(uri_captures.user1)'")
print(type(g), err2, g())
