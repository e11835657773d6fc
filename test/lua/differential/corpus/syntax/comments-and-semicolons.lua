-- Comments anywhere and an optional semicolon after each statement.
local a = 1; local b = 2;
print(a + b) -- trailing comment
local c = --[[ inline ]] 3
print(c);
do local d = 4; print(d); end
print("done") ;
