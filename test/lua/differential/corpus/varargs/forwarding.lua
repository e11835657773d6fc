-- ... forwards all values including trailing nils.
local function count(...) return select("#", ...) end
local function fwd(...) return count(...) end
local function fwd2(...) return count(..., "x") end
local function fwd3(...) return count((...)) end
print(fwd(1, nil, nil), fwd2(1, nil, nil), fwd3(1, 2, 3), fwd3())
