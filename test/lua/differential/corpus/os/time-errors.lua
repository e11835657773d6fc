-- os.time's table needs day, month and year.
print(pcall(function() local r = os.time({ year = 2020 }) return r end))
print(pcall(function() local r = os.time({ year = 2020, month = 1 }) return r end))
print(pcall(function() local r = os.time({ day = 1, month = 1 }) return r end))
print(type(os.time()), os.time() > 1600000000)
