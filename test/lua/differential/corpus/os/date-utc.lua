-- os.date with "!" (UTC) and a fixed time.
local t = 1700000000
print(os.date("!%Y-%m-%d %H:%M:%S", t))
print(os.date("!%a %A %b %B %d %j %p %y %w", t))
print(os.date("!%c", t))
print(os.date("!%x %X %%", t))
print(os.date("!%H:%M", 0), os.date("!%Y", 2^31))
