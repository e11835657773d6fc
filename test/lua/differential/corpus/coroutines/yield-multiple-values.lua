-- yield and resume carry any number of values, including nils.
local co = coroutine.create(function(...)
  print(select("#", ...), ...)
  local a = { coroutine.yield() }
  print(#a)
  print(select("#", coroutine.yield(nil, nil)))
  return
end)
print(coroutine.resume(co, 1, nil, 3))
print(select("#", coroutine.resume(co, "x", "y")))
print(coroutine.resume(co, nil, nil, nil))
print(coroutine.resume(co))
