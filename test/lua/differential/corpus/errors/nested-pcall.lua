-- Errors propagate to the nearest pcall; an outer pcall sees results of the inner one.
local function inner() error("inner failed") end
local function middle()
  local ok, e = pcall(inner)
  return "middle saw: " .. tostring(ok) .. " " .. e
end
print(pcall(middle))
print(pcall(function() local ok = pcall(error) error("after", 0) end))
