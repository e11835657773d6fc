-- Matrix multiplication and transposition.
local function mul(a, b)
  local r = {}
  for i = 1, #a do r[i] = {} for j = 1, #b[1] do local s = 0 for k = 1, #b do s = s + a[i][k] * b[k][j] end r[i][j] = s end end
  return r
end
local function transpose(m) local r = {} for i = 1, #m[1] do r[i] = {} for j = 1, #m do r[i][j] = m[j][i] end end return r end
local function show(m) local rows = {} for i, row in ipairs(m) do rows[i] = table.concat(row, " ") end return table.concat(rows, "; ") end
local a = { { 1, 2 }, { 3, 4 }, { 5, 6 } }
local b = { { 1, 0, 2 }, { 0, 1, 0.5 } }
print(show(mul(a, b)))
print(show(transpose(a)))
