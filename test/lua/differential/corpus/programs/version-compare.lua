-- Comparing dotted version strings numerically.
local function parse(v) local t = {} for n in v:gmatch("%d+") do t[#t + 1] = tonumber(n) end return t end
local function cmp(a, b)
  local x, y = parse(a), parse(b)
  for i = 1, math.max(#x, #y) do
    local p, q = x[i] or 0, y[i] or 0
    if p ~= q then return p < q and -1 or 1 end
  end
  return 0
end
-- (no two versions compare equal: table.sort is not stable, so ties could print in any order)
local vs = { "3.4.0", "2.8.1", "3.10.0", "0.9.9", "3.4.0.1", "3.3.99" }
table.sort(vs, function(a, b) return cmp(a, b) < 0 end)
print(table.concat(vs, " "), cmp("1.0", "1"), cmp("1.2", "1.10"))
