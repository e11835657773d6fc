-- Position captures () give indices; nested captures are numbered by their '('.
print(("hello"):match("()ll()"))
print(("hello"):find("()(l+)()"))
print(("abcd"):match("((a)(b)((c)d))"))
print(("x = 1"):match("()%s*=%s*()"))
print(("abc"):gsub("()", "%1"))
