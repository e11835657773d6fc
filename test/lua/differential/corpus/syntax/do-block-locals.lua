-- do ... end limits locals; the same name can be reused after.
local results = {}
for i = 1, 3 do
  do
    local v = i * 10
    results[#results + 1] = v
  end
  local v = "after-" .. i
  results[#results + 1] = v
end
print(table.concat(results, ","))
