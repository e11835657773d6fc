-- status: suspended, running, normal, dead.
local main_co
local co
co = coroutine.create(function()
  print("inside", coroutine.status(co))
  local inner = coroutine.create(function() print("outer from inner", coroutine.status(co)) end)
  coroutine.resume(inner)
  print("inner after", coroutine.status(inner))
  coroutine.yield()
end)
print(coroutine.status(co))
coroutine.resume(co)
print(coroutine.status(co))
coroutine.resume(co)
print(coroutine.status(co))
