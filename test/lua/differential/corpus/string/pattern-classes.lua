-- Character classes %a %c %d %l %p %s %u %w %x and their complements, over all printable ASCII.
local all = {}
for i = 0, 127 do all[#all + 1] = string.char(i) end
all = table.concat(all)
for _, c in ipairs({ "a", "c", "d", "l", "p", "s", "u", "w", "x" }) do
  local n = select(2, all:gsub("%" .. c, ""))
  local m = select(2, all:gsub("%" .. c:upper(), ""))
  local sample = all:gsub("[^%" .. c .. "]", ""):sub(1, 12):gsub("%c", "?")
  print(c, n, m, sample)
end
