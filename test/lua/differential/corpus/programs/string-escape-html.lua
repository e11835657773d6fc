-- HTML escaping with a gsub table.
local map = { ["<"] = "&lt;", [">"] = "&gt;", ["&"] = "&amp;", ['"'] = "&quot;", ["'"] = "&#39;" }
local function esc(s) return (s:gsub("[<>&\"']", map)) end
print(esc([[<a href="x">Tom & 'Jerry'</a>]]))
print(esc("plain"), select(2, ("<<>>"):gsub("[<>&\"']", map)))
