-- __index as a table: fallback lookups, chains of prototypes, raw fields win.
local base = { greet = function() return "hi" end, kind = "base" }
local mid = setmetatable({ kind = "mid" }, { __index = base })
local obj = setmetatable({}, { __index = mid })
print(obj.greet(), obj.kind, rawget(obj, "kind"), obj.missing)
obj.kind = "own"
print(obj.kind, mid.kind, base.kind)
