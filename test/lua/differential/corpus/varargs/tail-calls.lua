-- Tail calls return every result and do not grow the stack.
local function loop(n, acc) if n == 0 then return acc, "end" end return loop(n - 1, acc + n) end
print(loop(10000, 0))
local function a(...) return select("#", ...), ... end
local function b(...) return a(...) end
print(b(nil, nil))
