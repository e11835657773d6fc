-- Locals shadow outer locals and globals; each block has its own scope.
x = "global"
local x = "outer"
print(x)
do
  local x = "inner"
  print(x)
  do
    local x = x .. "-nested"
    print(x)
  end
  print(x)
end
print(x)
local x = x .. "-redeclared"
print(x)
