-- Splitting on separators, including empty fields and plain separators.
local function split(s, sep)
  local out, start = {}, 1
  while true do
    local i, j = s:find(sep, start, true)
    if not i then out[#out + 1] = s:sub(start) break end
    out[#out + 1] = s:sub(start, i - 1)
    start = j + 1
  end
  return out
end
for _, case in ipairs({ { "a,b,c", "," }, { "a,,b,", "," }, { "", "," }, { "a::b::c", "::" }, { "no-sep", "|" } }) do
  local parts = split(case[1], case[2])
  print(#parts, "[" .. table.concat(parts, "][") .. "]")
end
