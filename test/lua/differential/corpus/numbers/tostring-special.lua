-- -0, inf, -inf and nan as LuaJIT prints them.
print(-0, 0 * -1, -0.0, 1/0, -1/0, 0/0)
print(tostring(-0), tostring(1/0), tostring(-(0/0)))
print(math.huge, -math.huge, math.huge - math.huge)
print(1/(-0), 1/0 > 2^1023, -0 == 0)
