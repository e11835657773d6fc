-- A small serializer with sorted keys (deterministic output).
local function ser(v, indent)
  indent = indent or ""
  local t = type(v)
  if t == "string" then return string.format("%q", v) end
  if t ~= "table" then return tostring(v) end
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
  local parts = {}
  for _, k in ipairs(keys) do parts[#parts + 1] = indent .. "  [" .. ser(k) .. "] = " .. ser(v[k], indent .. "  ") end
  return "{\n" .. table.concat(parts, ",\n") .. "\n" .. indent .. "}"
end
print(ser({ name = "kong", ports = { 8000, 8443 }, tls = true, ratio = 0.75, nested = { a = { b = "c" } } }))
