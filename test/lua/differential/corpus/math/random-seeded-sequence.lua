-- After math.randomseed(n), math.random gives LuaJIT's own sequence (its Tausworthe generator).
local function draw(n)
  local out = {}
  for i = 1, n do out[i] = string.format("%.17g", math.random()) end
  return table.concat(out, " ")
end
for _, seed in ipairs({ 0, 1, 42, -7.25, 2^53, 1e308 }) do
  math.randomseed(seed)
  print(seed, draw(3))
end
math.randomseed(12345)
local ints = {}
for i = 1, 10 do ints[i] = math.random(6) end
print(table.concat(ints, ","))
for i = 1, 10 do ints[i] = math.random(-100, 100) end
print(table.concat(ints, ","))
print(math.random(2^31), math.random(0), math.random(5, 1))
math.randomseed("99")
local sum = 0
for i = 1, 100000 do sum = sum + math.random(1000) end
print(sum)
