-- if/elseif/else picks the first true branch; only nil and false are false.
local function classify(v)
  if v == nil then return "nil"
  elseif v == false then return "false"
  elseif v == 0 then return "zero"
  elseif v == "" then return "empty"
  else return "other" end
end
for _, v in ipairs({ 0, "", "x", false }) do print(classify(v)) end
print(classify(nil))
if 0 then print("0 is true") end
if "" then print("'' is true") end
