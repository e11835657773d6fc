-- LuaJIT can yield across pcall inside a coroutine.
local co = coroutine.create(function()
  local ok, v = pcall(function()
    local x = coroutine.yield("from inside pcall")
    if x == "fail" then error("failed after resume", 0) end
    return x
  end)
  coroutine.yield(tostring(ok) .. ":" .. tostring(v))
  local ok2, v2 = pcall(function() local y = coroutine.yield("again") error("e:" .. y, 0) end)
  return ok2, v2
end)
print(coroutine.resume(co))
print(coroutine.resume(co, "value"))
print(coroutine.resume(co))
print(coroutine.resume(co, "z"))
