-- a:m(...) passes a as self; string literals and tables as sole arguments.
local obj = { name = "obj" }
function obj:greet(greeting) return greeting .. ", " .. self.name end
function obj.static(x) return x * 2 end
print(obj:greet("hi"), obj.greet(obj, "hey"), obj.static(21))
local function f(x) return type(x), x end
print(f"str")
print(f[[long]])
print((f{1, 2}))
print(("%d items"):format(3), ("abc"):upper(), #("xyz"):rep(3))
local s = "hello"
print(s:len(), s:sub(2, 3), s:byte())
