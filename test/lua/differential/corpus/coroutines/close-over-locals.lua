-- Coroutines keep their locals between resumes; closures see the updates.
local co = coroutine.wrap(function()
  local n = 0
  local function inc() n = n + 1 return n end
  while true do coroutine.yield(inc()) end
end)
print(co(), co(), co())
