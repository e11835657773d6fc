-- os.time with a table (read as local time; the corpus runs with TZ=UTC).
print(os.time({ year = 2020, month = 1, day = 1, hour = 0 }))
print(os.time({ year = 2020, month = 1, day = 1 }))
print(os.time({ year = 1970, month = 1, day = 1, hour = 0, min = 0, sec = 0 }))
print(os.time({ year = 2024, month = 2, day = 29, hour = 12, min = 30, sec = 15 }))
print(os.time({ year = 2021, month = 13, day = 1, hour = 0 }), os.time({ year = 2021, month = 3, day = 0, hour = 0 }))
print(os.time({ year = 2021, month = 1, day = 1, hour = 25, min = -30 }))
