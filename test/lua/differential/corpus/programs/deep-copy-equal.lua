-- Deep copy and deep equality of nested tables.
local function copy(t) if type(t) ~= "table" then return t end local r = {} for k, v in pairs(t) do r[copy(k)] = copy(v) end return r end
local function equal(a, b)
  if type(a) ~= type(b) then return false end
  if type(a) ~= "table" then return a == b end
  for k, v in pairs(a) do if not equal(v, b[k]) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end
local orig = { a = { b = { 1, 2, { c = "d" } } }, e = true }
local c = copy(orig)
print(equal(orig, c), c ~= orig, c.a.b ~= orig.a.b)
c.a.b[3].c = "changed"
print(equal(orig, c), orig.a.b[3].c)
