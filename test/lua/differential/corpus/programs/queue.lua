-- A double-ended queue with first/last indices.
local Q = {}
Q.__index = Q
function Q.new() return setmetatable({ first = 1, last = 0, items = {} }, Q) end
function Q:push(v) self.last = self.last + 1 self.items[self.last] = v end
function Q:unshift(v) self.first = self.first - 1 self.items[self.first] = v end
function Q:pop() if self.first > self.last then return nil end local v = self.items[self.last] self.items[self.last] = nil self.last = self.last - 1 return v end
function Q:shift() if self.first > self.last then return nil end local v = self.items[self.first] self.items[self.first] = nil self.first = self.first + 1 return v end
function Q:size() return self.last - self.first + 1 end
local q = Q.new()
q:push(1) q:push(2) q:unshift(0) q:push(3)
print(q:size(), q:shift(), q:pop(), q:shift(), q:size(), q:pop(), q:pop(), q:size())
