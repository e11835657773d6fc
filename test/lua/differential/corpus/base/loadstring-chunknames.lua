-- Long or multi-line sources are shortened in [string "..."] chunknames.
print(pcall(loadstring("error('e1')", "=custom")))
print(pcall(loadstring("error('e2')", "@file.lua")))
print(pcall(loadstring("error('e3')", "named")))
print(pcall(loadstring("\nerror('second line')")))
print(pcall(loadstring("local aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa = 1 error('long')")))
