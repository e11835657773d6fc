-- gsub with a string replacement: %0, %1.., %% and the count.
print(("hello world"):gsub("o", "0"))
print(("hello world"):gsub("(%w+)", "<%1>"))
print(("hello world"):gsub("%w+", "%0 %0"))
print(("hello"):gsub("", "-"))
print(("abc"):gsub("(a)(b)(c)", "%3%2%1"))
print(("100"):gsub("%d", "%%"))
print(("x"):gsub("x", "a%%b"))
