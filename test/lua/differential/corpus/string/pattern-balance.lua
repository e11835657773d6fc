-- %b matches balanced pairs.
print(("f(a(b)c)d"):match("%b()"), ("[[x]]"):match("%b[]"), ("no parens"):match("%b()"))
print(("THEN (a (b) c) ELSE (d)"):gsub("%b()", "P"))
print(("<<a>"):match("%b<>"), ("x{}y"):match("%b{}"), ("(("):match("%b()"))
print(("'quoted' text"):match("%b''"), ("abba"):match("%bab"))
