-- Many short-lived coroutines.
local total = 0
for i = 1, 200 do
  local co = coroutine.wrap(function(x) local y = coroutine.yield(x * 2) return y + 1 end)
  total = total + co(i) + co(i)
end
print(total)
