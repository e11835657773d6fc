-- __concat is called when either operand is not a string or number.
local mt = { __concat = function(a, b)
  local sa = type(a) == "table" and "T" or tostring(a)
  local sb = type(b) == "table" and "T" or tostring(b)
  return sa .. sb
end }
local t = setmetatable({}, mt)
print(t .. "x", "x" .. t, 1 .. t, t .. t)
print("a" .. "b" .. t .. "c")
print(pcall(function() return {} .. "x" end))
