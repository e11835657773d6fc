-- The generic for calls f(s, ctl) until the first value is nil; extra values are passed along.
local function iter(s, i)
  i = i + 1
  if i <= s.n then return i, s[i], i * i end
end
local state = { n = 3, "a", "b", "c" }
for i, v, sq in iter, state, 0 do print(i, v, sq) end
local function chars(s)
  return function(str, i) i = i + 1 if i <= #str then return i, str:sub(i, i) end end, s, 0
end
for i, c in chars("hey") do print(i, c) end
