-- An error that nothing catches ends the chunk; luajit reports it (without the traceback, in this corpus).
print("before")
local t = {}
local x = t.missing.field
print("never")
