-- Kong spec/03-plugins/36-request-transformer/02-access_spec.lua:438 and :2261: type() in templates,
-- a header given twice arrives as a table.
local function render(headers)
  return type(headers["X-Foo"]) == "table" and headers["X-Foo"][1] .. "-first" or headers["X-Foo"]
end
print(render({ ["X-Foo"] = { "1", "2" } }))
print(render({ ["X-Foo"] = "single" }))
print(render({}))
