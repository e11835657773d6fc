-- Yield from inside a generic-for iterator function (a Lua function, so LuaJIT allows it).
local co = coroutine.wrap(function()
  for v in function(_, last) last = (last or 0) + 1 if last <= 3 then coroutine.yield("it" .. last) return last end end do end
  return "iter done"
end)
print(co(), co(), co(), co())
