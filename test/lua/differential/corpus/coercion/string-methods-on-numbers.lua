-- String library functions accept numbers (converted with %.14g).
print(string.len(123), string.len(1.5), string.len(-0), string.len(1e20))
print(string.upper(12), string.rep(7, 3), string.sub(12345, 2, 3))
print(string.format("%s|%s", 1, 2.5), ("x"):rep(2, 3))
print(string.byte(9), string.find(12345, 34), string.match(3.25, "%d+"))
