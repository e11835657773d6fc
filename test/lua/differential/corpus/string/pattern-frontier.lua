-- %f[set] matches the transition from outside to inside the set.
print(("THE (quick) fox"):gsub("%f[%a]%a+", "W"))
print(("hello world"):find("%f[%w]%w+", 2))
print(("key1 key2 nokey"):gsub("%f[%w]key%d", "K"))
print(("AAbbAA"):match("%f[%l]%l+"), ("end"):find("%f[%z]"), ("x"):find("%f[%a]"))
print(("THE END"):gsub("%f[%w]", "|"))
