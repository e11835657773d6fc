-- The main chunk is a vararg function (no arguments when run as a file here).
print(select("#", ...))
local a, b = ...
print(a, b)
local t = { ... }
print(#t)
