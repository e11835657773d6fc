-- An error inside an iterator or a sort comparator stops the loop and reaches pcall.
print(pcall(function()
  for k in function() error("iter failed", 0) end do end
end))
print(pcall(table.sort, { 3, 2, 1 }, function(a, b) error("cmp failed", 0) end))
print(pcall(string.gsub, "abc", "%w", function(c) if c == "b" then error("at b", 0) end end))
