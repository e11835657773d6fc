-- A read-only proxy built with __index and __newindex.
local function readonly(t)
  return setmetatable({}, {
    __index = t,
    __newindex = function(_, k) error("attempt to update a read-only table (key " .. tostring(k) .. ")", 2) end,
  })
end
local cfg = readonly({ host = "localhost", port = 8000 })
print(cfg.host, cfg.port)
print(pcall(function() cfg.port = 1 end))
