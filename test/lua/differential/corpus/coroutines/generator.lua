-- A generator used in a for loop through coroutine.wrap.
local function range(n)
  return coroutine.wrap(function() for i = 1, n do coroutine.yield(i, i * i) end end)
end
for i, sq in range(5) do print(i, sq) end
local function chars(s) return coroutine.wrap(function() for c in s:gmatch(".") do coroutine.yield(c) end end) end
local out = {}
for c in chars("lua") do out[#out + 1] = c:upper() end
print(table.concat(out))
