-- An event emitter with ordered listeners and varargs.
local E = {}
E.__index = E
function E.new() return setmetatable({ handlers = {} }, E) end
function E:on(name, fn) local l = self.handlers[name] or {} l[#l + 1] = fn self.handlers[name] = l return self end
function E:emit(name, ...) local n = 0 for _, fn in ipairs(self.handlers[name] or {}) do fn(...) n = n + 1 end return n end
local log = {}
local e = E.new()
e:on("req", function(m, p) log[#log + 1] = m .. " " .. p end):on("req", function(...) log[#log + 1] = select("#", ...) end)
print(e:emit("req", "GET", "/"), e:emit("none"), table.concat(log, " | "))
