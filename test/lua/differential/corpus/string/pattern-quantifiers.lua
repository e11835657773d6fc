-- * + - ? greedy and lazy repetition.
local s = "<a><bb><ccc>"
print(s:match("<(.*)>"), s:match("<(.-)>"), s:match("<(b+)>"), s:match("<(x?)a"))
print(("aaab"):match("a*"), ("aaab"):match("a-b"), ("aaab"):match("a+?"), ("b"):match("a?b"))
print(("123abc"):match("^%d+"), ("abc"):match("^%d*"), ("color colour"):gsub("colou?r", "C"))
print(("xyyyz"):find("y-z"), ("xyyyz"):find("y*"), ("xyyyz"):find("y+"))
