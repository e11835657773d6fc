--- if elseif else
local function classify(n)
  if n < 0 then return "neg" elseif n == 0 then return "zero" elseif n < 10 then return "small" else return "big" end
end
print(classify(-1), classify(0), classify(5), classify(50))
--- if with non boolean conditions
if 0 then io.write("0 ") end
if "" then io.write("empty ") end
if nil then io.write("nil ") else io.write("not nil ") end
if false then else io.write("false ") end
print()
--- while
local i, s = 0, 0
while i < 10 do i = i + 1 s = s + i end
print(i, s)
--- while false never runs
while false do print("never") end
print("ok")
--- repeat until sees body locals
local i = 0
repeat local j = i i = i + 1 until j >= 3
print(i)
--- repeat runs at least once
local n = 0
repeat n = n + 1 until true
print(n)
--- numeric for basics
for i = 1, 3 do io.write(i, " ") end print()
for i = 3, 1, -1 do io.write(i, " ") end print()
for i = 1, 10, 4 do io.write(i, " ") end print()
for i = 10, 1, -4 do io.write(i, " ") end print()
--- numeric for zero iterations
local n = 0
for i = 1, 0 do n = n + 1 end
for i = 0, 1, -1 do n = n + 1 end
print(n)
--- numeric for float step
for i = 1, 2, 0.25 do io.write(i, " ") end print()
for i = 0.1, 0.35, 0.1 do io.write(i, " ") end print()
--- numeric for evaluates limits once
local lim = 3
local count = 0
for i = 1, lim do lim = 10 count = count + 1 end
print(count)
--- numeric for with string bounds
for i = "1", "3" do io.write(i, " ") end print()
--- numeric for errors
print(pcall(function() for i = 1, "x" do end end))
print(pcall(function() for i = nil, 2 do end end))
print(pcall(function() for i = 1, 2, {} do end end))
--- numeric for step zero ascending runs
local n = 0
for i = 1, 3, 0 do n = n + 1 if n == 5 then break end end
print(n)
local m = 0
for i = 3, 1, 0 do m = m + 1 end
print(m)
--- numeric for large bounds
local n = 0
for i = 2^52 - 2, 2^52 do n = n + 1 end
print(n)
--- for with nan limit
local n = 0
for i = 1, 0 / 0 do n = n + 1 end
print(n)
--- break exits innermost
for i = 1, 3 do
  for j = 1, 3 do if j == 2 then break end io.write(i, j, " ") end
end
print()
--- break in while and repeat
local i = 0
while true do i = i + 1 if i == 5 then break end end
repeat i = i + 1 if i == 8 then break end until false
print(i)
--- goto continue
for i = 1, 5 do
  if i % 2 == 0 then goto continue end
  io.write(i, " ")
  ::continue::
end
print()
--- goto backward loop
local n = 0
::top::
n = n + 1
if n < 5 then goto top end
print(n)
--- goto out of nested loops
for i = 1, 3 do
  for j = 1, 3 do
    if i * j == 4 then goto done end
    io.write(i * j, " ")
  end
end
::done::
print("done")
--- goto skips code
do
  goto skip
  print("not printed")
  ::skip::
  print("after skip")
end
--- nested continue labels with same name
for a = 1, 2 do
  for b = 1, 3 do
    if b == 2 then goto continue end
    io.write(a, ":", b, " ")
    ::continue::
  end
  if a == 1 then goto continue end
  io.write("end", a, " ")
  ::continue::
end
print()
--- goto continue in while
local i = 0
while i < 6 do
  i = i + 1
  if i % 3 == 0 then goto continue end
  io.write(i, " ")
  ::continue::
end
print()
--- goto continue in repeat with until local
local k = 0
repeat
  k = k + 1
  local done = k >= 4
  if k == 2 then goto cont end
  io.write("k", k, " ")
  ::cont::
until done
print()
--- backward goto with break inside loop body
for x = 1, 3 do
  local y = 0
  ::redo::
  y = y + 1
  if y < 3 then goto redo end
  if x == 3 then break end
  io.write(x, y, " ")
end
print()
--- goto forward over label jumped back to
local i = 0
goto skip
::back::
i = i + 10
::skip::
i = i + 1
if i < 20 then goto back end
print(i)
--- backward goto closures capture fresh locals
local fns = {}
local n = 1
do
  ::again::
  local m = n
  fns[n] = function() return m end
  n = n + 1
  if n <= 3 then goto again end
end
print(fns[1](), fns[2](), fns[3]())
--- goto in function bodies
local function f(n)
  local r = 0
  ::loop::
  if n == 0 then return r end
  r = r + n
  n = n - 1
  goto loop
end
print(f(10))
--- do end blocks nested
do do do print("deep") end end end
--- semicolons and empty statements
;;; local a = 1; ; print(a);;
--- return in middle with do
local function f() do return 1 end end
print(f())
