-- A memoizing wrapper keeps its cache in an upvalue.
local function memoize(f)
  local cache, hits = {}, 0
  return function(n)
    local v = cache[n]
    if v then hits = hits + 1 return v end
    v = f(n)
    cache[n] = v
    return v
  end, function() return hits end
end
local calls = 0
local sq, hitcount = memoize(function(n) calls = calls + 1 return n * n end)
print(sq(4), sq(4), sq(5), sq(4))
print(calls, hitcount())
