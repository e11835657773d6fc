-- Nested tables: matrices and records.
local m = {}
for i = 1, 3 do m[i] = {} for j = 1, 3 do m[i][j] = i * j end end
local rows = {}
for i = 1, 3 do rows[i] = table.concat(m[i], " ") end
print(table.concat(rows, " | "))
local rec = { user = { name = "ann", roles = { "admin", "dev" } } }
print(rec.user.name, #rec.user.roles, rec.user.roles[2], rec["user"]["roles"][1])
