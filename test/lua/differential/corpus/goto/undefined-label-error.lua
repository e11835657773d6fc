-- A goto to a label that does not exist is a compile error.
for i = 1, 2 do
  goto missing
end
