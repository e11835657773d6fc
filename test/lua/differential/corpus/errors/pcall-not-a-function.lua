-- pcall on a value that cannot be called returns false and the message.
print(pcall(nil))
print(pcall(42))
print(pcall({}))
print(pcall(setmetatable({}, { __call = function(_, x) return "called", x end }), "arg"))
