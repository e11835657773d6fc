-- Producer/consumer with two coroutines.
local producer = coroutine.create(function()
  for _, item in ipairs({ "a", "b", "c" }) do coroutine.yield(item) end
  return nil
end)
local received = {}
while true do
  local ok, item = coroutine.resume(producer)
  if not item then break end
  received[#received + 1] = item
end
print(table.concat(received, ","), coroutine.status(producer))
