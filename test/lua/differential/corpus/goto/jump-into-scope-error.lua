-- Jumping into the scope of a local is a compile error.
goto forward
local x = 1
::forward::
print(x)
