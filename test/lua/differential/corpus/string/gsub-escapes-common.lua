-- Common gsub idioms: trimming, escaping magic characters, splitting, url-ish encoding.
local function trim(s) return (s:gsub("^%s+", ""):gsub("%s+$", "")) end
local function escape(s) return (s:gsub("[%^%$%(%)%%%.%[%]%*%+%-%?]", "%%%0")) end
local function hex(s) return (s:gsub(".", function(c) return string.format("%%%02X", c:byte()) end)) end
print("[" .. trim("  a b  ") .. "]", escape("a.b*c(d)"), hex("a b/?"))
local parts = {}
for p in ("a,b,,c"):gmatch("([^,]*)") do parts[#parts + 1] = "<" .. p .. ">" end
print(table.concat(parts))
