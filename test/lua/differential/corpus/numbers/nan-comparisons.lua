-- nan is not equal to itself and never ordered.
local nan = 0/0
print(nan == nan, nan ~= nan, nan < 1, nan > 1, nan <= nan, nan >= 1)
local t = {}
print(pcall(function() t[nan] = 1 end))
print(t[nan])
print(math.max(nan, 1), math.min(1, nan))
