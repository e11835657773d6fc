-- Typical bit idioms: flags, masks, hashing.
local READ, WRITE, EXEC = 1, 2, 4
local perm = bit.bor(READ, EXEC)
print(bit.band(perm, WRITE) ~= 0, bit.band(perm, EXEC) ~= 0, bit.band(perm, bit.bnot(EXEC)))
local h = 5381
for c in ("hello world"):gmatch(".") do h = bit.band(bit.lshift(h, 5) + h + c:byte(), 0xffffffff) end
print(h, bit.tohex(h))
local function popcount(x) local n = 0 while x ~= 0 do n = n + bit.band(x, 1) x = bit.rshift(x, 1) end return n end
print(popcount(0xff), popcount(-1), popcount(0x80000001))
