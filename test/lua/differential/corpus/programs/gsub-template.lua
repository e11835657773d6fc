-- A ${var} template renderer with defaults.
local function render(tpl, vars)
  return (tpl:gsub("%${([%w_]+):?([^}]*)}", function(name, default) local v = vars[name] if v == nil then return default end return tostring(v) end))
end
print(render("Hello ${name}, you are ${age:unknown} (${missing})", { name = "Ann" }))
print(render("${a}${b}${c:3}", { a = 1, b = 2 }))
