-- Escaping magic characters with %; %z and \0 in patterns.
print(("1+1=2"):match("1%+1"), ("a.b"):match("a%.b"), ("50%"):match("%d+%%"))
print(("(x)"):match("%((.)%)"), ("a[1]"):match("%[(%d)%]"), ("$5"):match("%$(%d)"))
print(("a\0b"):find("\0"), ("a\0b"):find("%z"), #("a\0b\0c"):gsub("%z", ""))
print(("a*b"):gsub("%*", "x"), ("a?b"):gsub("%?", "x"), ("a-b"):gsub("%-", "x"))
