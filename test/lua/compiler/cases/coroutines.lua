--- resume yield basics
local co = coroutine.create(function(a, b)
  print("start", a, b)
  local c = coroutine.yield(a + b)
  print("got", c)
  local d, e = coroutine.yield(c * 2)
  return d + e
end)
print(coroutine.resume(co, 1, 2))
print(coroutine.status(co))
print(coroutine.resume(co, 10))
print(coroutine.resume(co, 3, 4))
print(coroutine.status(co), coroutine.resume(co))
--- wrap generator
local function gen(n) return coroutine.wrap(function() for i = 1, n do coroutine.yield(i) end end) end
for v in gen(4) do io.write(v, " ") end
print()
--- wrap dead
local w = coroutine.wrap(function() return 1 end)
print(w())
print(pcall(w))
--- yield across pcall
local co = coroutine.create(function()
  local ok, err = pcall(function()
    local z = coroutine.yield("in pcall")
    error("boom " .. tostring(z))
  end)
  coroutine.yield(ok, err)
  return "finished"
end)
print(coroutine.resume(co))
print(coroutine.resume(co, "zz"))
print(coroutine.resume(co))
print(coroutine.status(co))
--- nested coroutines
local outer = coroutine.create(function()
  local inner = coroutine.create(function() coroutine.yield("inner1") return "inner done" end)
  print("o", coroutine.resume(inner))
  coroutine.yield("outer1")
  print("o", coroutine.resume(inner))
  print("o", coroutine.status(inner))
  return "outer done"
end)
print(coroutine.resume(outer))
print(coroutine.resume(outer))
--- status running normal
local c1
c1 = coroutine.create(function()
  print("inside", coroutine.status(c1), coroutine.running() == c1, coroutine.isyieldable())
  local c2 = coroutine.create(function() print("c1 seen from c2", coroutine.status(c1)) end)
  coroutine.resume(c2)
end)
coroutine.resume(c1)
print(coroutine.running(), coroutine.isyieldable(), coroutine.status(c1))
--- error inside coroutine
local ce = coroutine.create(function() local x = nil; return x.y end)
print(coroutine.resume(ce))
print(coroutine.resume(ce))
print(coroutine.status(ce))
--- error object from coroutine
local ce = coroutine.create(function() error({code = 1}) end)
local ok, e = coroutine.resume(ce)
print(ok, type(e), e.code)
--- wrap propagates errors
local cw = coroutine.wrap(function() error("werr") end)
print(pcall(cw))
--- coroutine argument errors
print(pcall(coroutine.resume, "x"))
print(pcall(coroutine.status))
print(pcall(coroutine.wrap))
print(pcall(coroutine.create, 1))
--- yield outside coroutine
print(pcall(coroutine.yield, 1))
print(pcall(function() coroutine.yield(1) end))
--- resume running coroutine
local cs
cs = coroutine.create(function() return coroutine.resume(cs) end)
print(coroutine.resume(cs))
--- yield from deep calls
local function deep(n) if n == 0 then return coroutine.yield("bottom") end return deep(n - 1) end
local cd = coroutine.create(function() return deep(10) end)
print(coroutine.resume(cd))
print(coroutine.resume(cd, "back up"))
--- producer consumer
local prod = coroutine.create(function() for i = 1, 3 do coroutine.yield("item" .. i) end end)
while true do
  local ok, v = coroutine.resume(prod)
  if not v then break end
  io.write(v, ";")
end
print()
--- wrap with values both ways
local w = coroutine.wrap(function(a, b) local c, d = coroutine.yield(a + b, a - b) return c * d end)
print(w(5, 3))
print(w(4, 6))
--- varargs into coroutine
local co = coroutine.wrap(function(...) print(select('#', ...)) local a, b = coroutine.yield() print(a, b) end)
co(nil, nil)
co(1)
--- yield inside generic for body
local co = coroutine.wrap(function() for i, v in ipairs({"a", "b"}) do coroutine.yield(i, v) end return "end" end)
print(co()) print(co()) print(co())
--- yield inside numeric for and while
local co = coroutine.wrap(function() local i = 0 while true do i = i + 1 for j = 1, 2 do coroutine.yield(i * 10 + j) end end end)
print(co(), co(), co(), co())
--- iterator function that yields
local co = coroutine.wrap(function()
  local function it(_, i) i = i + 1 coroutine.yield("step" .. i) if i <= 2 then return i end end
  for i in it, nil, 0 do end
  return "done"
end)
print(co(), co(), co(), co())
--- coroutine type and tostring
local co = coroutine.create(function() end)
print(type(co), tostring(co) == tostring(co), tostring(co) ~= tostring(coroutine.create(print)))
--- many coroutines
local total = 0
for i = 1, 200 do
  local co = coroutine.wrap(function(a) local b = coroutine.yield(a * 2) return a + b end)
  total = total + co(i) + co(1)
end
print(total)
--- methods and closures in coroutine chunk
local Obj = {} Obj.__index = Obj
function Obj.new(v) return setmetatable({v = v}, Obj) end
function Obj:next() self.v = self.v + 1 coroutine.yield(self.v) return self end
local o = Obj.new(0)
local co = coroutine.wrap(function() o:next():next() return "done" end)
print(co(), co(), co())
--- yield across print and tostring is a C-call boundary
local co = coroutine.create(function()
  print(setmetatable({}, {__tostring = function() coroutine.yield("from tostring") return "x" end}))
end)
print(coroutine.resume(co))
--- yield in a load reader fails the load
local co = coroutine.wrap(function()
  local f, e = load(function() coroutine.yield("reader") end)
  return f, e
end)
print(co())
