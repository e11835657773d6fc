-- The position names the line where the failing operation is.
local function f(t)
  local a = 1
  local b = t
    .field
    .sub
  return a, b
end
print(pcall(f, {}))
print(pcall(f, { field = {} }))
