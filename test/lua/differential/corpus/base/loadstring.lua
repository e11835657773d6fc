-- loadstring compiles a chunk; its chunkname is [string "..."] with the source's first line.
local f = loadstring("return 1 + 1")
print(f())
local g = loadstring("local a, b = ... return b, a")
print(g(1, 2))
print(loadstring("x = "))
print(type(loadstring("error('in loaded chunk')")))
print(pcall(loadstring("error('in loaded chunk')")))
print(pcall(loadstring("local t = nil\nreturn t.x")))
