-- return with no values, one, many, from nested calls; parenthesised returns truncate.
local function none() return end
local function many() return 1, 2, 3 end
local function pass() return many() end
local function trunc() return (many()) end
print(select("#", none()), select("#", many()), select("#", pass()), select("#", trunc()))
print(many(), "x")
print("x", many())
print((many()))
local function early(x)
  if x then return "early" end
  do return "do-block" end
end
print(early(true), early(false))
