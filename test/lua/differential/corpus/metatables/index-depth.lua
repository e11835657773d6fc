-- A long __index chain resolves through every level.
local root = { found = "at root" }
local cur = root
for i = 1, 50 do cur = setmetatable({ ["level" .. i] = i }, { __index = cur }) end
print(cur.found, cur.level1, cur.level50, cur.nothing)
