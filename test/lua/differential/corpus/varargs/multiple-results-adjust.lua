-- Multiple results expand only in the last position of a list.
local function two() return "a", "b" end
local t = { two(), two() }
print(#t, t[1], t[2], t[3])
print(two(), two())
print((two()))
local s = two() .. "!"
print(s)
local x, y, z = two()
print(x, y, z)
print(#{ two(), nil }, select("#", two(), nil))
