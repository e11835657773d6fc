-- tonumber returns nil for values that are neither numbers nor numeric strings.
print(tonumber(true), tonumber({}), tonumber(print), tonumber(false))
print(tonumber("true"), tonumber("nil"), tonumber("  "))
