-- table.sort errors: incomparable values (same-type pairs, so the message does not depend on
-- which pair the algorithm compares first), bad comparator argument, no table.
print(pcall(function() table.sort({ {}, {} }) end))
print(pcall(function() table.sort({ true, false, true }) end))
print(pcall(function() table.sort({ 1, 2 }, 3) end))
print(pcall(function() table.sort(nil) end))
