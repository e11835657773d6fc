-- Locals declared after a function are not visible to it; globals resolve at call time.
local function get() return later end
local later = "local"
print(get())
later2 = "global now"
local function get2() return later2 end
print(get2())
later2 = "changed"
print(get2())
