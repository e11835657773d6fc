-- Lua 5.1 grammar (LuaJIT's): a lone ';' is not a statement, so this chunk does not compile.
local a = 1;
;
print(a)
