-- gmatch iterates matches; with captures it returns them.
local words = {}
for w in ("the quick brown fox"):gmatch("%a+") do words[#words + 1] = w end
print(#words, table.concat(words, "|"))
for k, v in ("a=1, b=2, c=3"):gmatch("(%w+)=(%w+)") do print(k, v) end
local n = 0
for _ in ("aaa"):gmatch("") do n = n + 1 end
print(n)
