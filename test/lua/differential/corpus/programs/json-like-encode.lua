-- A tiny JSON encoder: arrays vs objects, escapes, numbers with %.14g.
local function esc(s) return (s:gsub('[%c"\\]', function(c) local m = { ['"'] = '\\"', ["\\"] = "\\\\", ["\n"] = "\\n", ["\t"] = "\\t" } return m[c] or string.format("\\u%04x", c:byte()) end)) end
local function enc(v)
  local t = type(v)
  if t == "nil" then return "null" elseif t == "boolean" or t == "number" then return tostring(v)
  elseif t == "string" then return '"' .. esc(v) .. '"' end
  if #v > 0 or next(v) == nil then local p = {} for i, x in ipairs(v) do p[i] = enc(x) end return "[" .. table.concat(p, ",") .. "]" end
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = k end
  table.sort(keys)
  local p = {}
  for i, k in ipairs(keys) do p[i] = enc(tostring(k)) .. ":" .. enc(v[k]) end
  return "{" .. table.concat(p, ",") .. "}"
end
print(enc({ message = "Invalid", code = 406, list = { 1, 2.5, "x\n\"y\"" }, ok = false, empty = {}, ctl = "\1" }))
