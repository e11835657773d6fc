-- __call makes a table callable; the table is the first argument.
local callable = setmetatable({ n = 10 }, { __call = function(self, a, b) return self.n + a, b end })
print(callable(1, "x"))
print(pcall(callable, 5))
local counter = setmetatable({ count = 0 }, { __call = function(self) self.count = self.count + 1 return self.count end })
counter() counter()
print(counter(), counter.count)
local t = {}
for i = 1, 3 do t[i] = callable(i) end
print(table.concat(t, ","))
