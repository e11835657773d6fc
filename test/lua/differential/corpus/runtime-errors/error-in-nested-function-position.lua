-- Positions point at the line of the failing expression inside nested functions.
local function a()
  local function b()
    local x = nil
    return x.y
  end
  return b()
end
local ok, e = pcall(a)
print(ok, e)
