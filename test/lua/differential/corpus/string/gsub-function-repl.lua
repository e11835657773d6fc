-- gsub with a function: called with the captures; nil/false keep the match, numbers become strings.
print(("1 2 3"):gsub("%d", function(d) return d * 2 end))
print(("hello world"):gsub("%w+", function(w) return w:upper() end))
print(("a b c"):gsub("%a", function(c) if c == "b" then return nil end return "[" .. c .. "]" end))
print(("k=v"):gsub("(%w)=(%w)", function(k, v) return v .. "=" .. k end))
print(("abc"):gsub("", function() return "." end))
print(pcall(function() local r = ("a"):gsub("a", function() return {} end) return r end))
