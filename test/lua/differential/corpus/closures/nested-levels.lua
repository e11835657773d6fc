-- Closures three levels deep read and write the outermost local.
local function outer()
  local x = 1
  return function()
    return function()
      x = x * 2
      return x
    end
  end
end
local mid = outer()
local inner1, inner2 = mid(), mid()
print(inner1(), inner2(), inner1())
