-- Percent-decoding and query-string parsing.
local function unescape(s) return (s:gsub("+", " "):gsub("%%(%x%x)", function(h) return string.char(tonumber(h, 16)) end)) end
local function parse(qs)
  local out = {}
  for pair in qs:gmatch("[^&]+") do
    local k, v = pair:match("^([^=]*)=?(.*)$")
    out[#out + 1] = unescape(k) .. " => " .. unescape(v)
  end
  return out
end
print(table.concat(parse("a=1&b=hello%20world&c=%41%42&flag&e=x+y&f=%3D%26"), "\n"))
