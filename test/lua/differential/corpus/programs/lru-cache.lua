-- An LRU cache with a capacity, using a recency counter.
local function lru(cap)
  local store, order, tick = {}, {}, 0
  local self = {}
  function self.get(k) local v = store[k] if v ~= nil then tick = tick + 1 order[k] = tick end return v end
  function self.set(k, v)
    tick = tick + 1
    store[k], order[k] = v, tick
    local n, oldest, ok = 0, math.huge, nil
    for key in pairs(store) do n = n + 1 if order[key] < oldest then oldest, ok = order[key], key end end
    if n > cap then store[ok], order[ok] = nil, nil end
  end
  return self
end
local c = lru(2)
c.set("a", 1) c.set("b", 2) c.get("a") c.set("c", 3)
print(c.get("a"), c.get("b"), c.get("c"))
