-- error's level: 1 (default) is the caller of error, 2 its caller, 0 adds no position.
local function f1() error("level1") end
local function f2() error("level2", 2) end
local function f0() error("level0", 0) end
local function call(f) f() end
print(pcall(call, f1))
print(pcall(call, f2))
print(pcall(call, f0))
print(pcall(function() error("in anon", 1) end))
print(pcall(function() error("three", 3) end))
