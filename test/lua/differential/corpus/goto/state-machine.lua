-- A small state machine written with gotos.
local input = "aabbbc"
local pos, out = 1, {}
::state_a::
if input:sub(pos, pos) == "a" then out[#out + 1] = "A" pos = pos + 1 goto state_a end
::state_b::
if input:sub(pos, pos) == "b" then out[#out + 1] = "B" pos = pos + 1 goto state_b end
out[#out + 1] = "rest:" .. input:sub(pos)
print(table.concat(out, " "))
