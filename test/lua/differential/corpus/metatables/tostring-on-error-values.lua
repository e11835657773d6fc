-- error() with a table that has __tostring: pcall returns the table itself.
local E = { __tostring = function(e) return "E(" .. e.code .. ")" end }
local ok, err = pcall(error, setmetatable({ code = 7 }, E))
print(ok, type(err), tostring(err), err.code)
