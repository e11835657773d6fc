-- {...} and unpack round-trip values; unpack with explicit bounds keeps nils.
local function pack(...) return { n = select("#", ...), ... } end
local p = pack(1, nil, 3)
print(p.n, p[1], p[2], p[3])
print(unpack({ 1, 2, 3 }))
print(unpack({ 1, 2, 3 }, 2))
print(unpack({ 1, 2, 3 }, 2, 3))
print(unpack({ 1, nil, 3 }, 1, 3))
print(select("#", unpack({}, 1, 3)))
print(unpack({ "a", "b" }, 3))
