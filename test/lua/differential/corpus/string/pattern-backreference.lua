-- %1..%9 inside a pattern match a previous capture again.
print(("abcabc"):match("(abc)%1"), ("abab"):find("(ab)%1"), ("abba"):match("(a)(b)%2%1"))
print(([[say "hi" and 'bye']]):match("([\"'])(.-)%1"))
print(("xx yy zw"):gsub("(%a)%1", "<%0>"))
print(pcall(function() local r = ("a"):match("%1") return r end))
