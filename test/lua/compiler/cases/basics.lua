--- print values
print(nil, true, false, 1, -1, 0, -0, 1.5, "s", "")
--- print no args
print()
--- integer-valued doubles
print(10 / 2, 3.0, 2^53, 1e15, 1e16, -1e15, 123456789012345)
--- float formatting %.14g
print(1 / 3, 100 / 3, 0.1, 0.1 + 0.2, 1e-5, 123e-7, 3.14159265358979, 2^63, -2^63, 1e300 * 1e10, -1e300 * 1e10)
--- nan and inf
print(0 / 0 ~= 0 / 0, 1 / 0, -1 / 0, -(0 / 0) ~= -(0 / 0))
--- small and large numbers
print(2^-1074, 2^1023, 5e-324, 1.7976931348623157e308, 12345678901234567)
--- arithmetic operators
print(7 + 2, 7 - 2, 7 * 2, 7 / 2, 7 % 2, 7 ^ 2, -7)
--- modulo signs
print(7 % 3, -7 % 3, 7 % -3, -7 % -3, 5.5 % 2, -5.5 % 2, 7 % 0, 0 % 5)
--- modulo infinity
print(5 % (1 / 0), -5 % (1 / 0), 5 % -(1 / 0))
--- power and unary minus precedence
print(-2 ^ 2, (-2) ^ 2, 2 ^ -1, 2 ^ 0.5, 2 ^ 3 ^ 2)
--- division by zero
print(1 / 0 > 0, -1 / 0 < 0, 0 / 0 == 0 / 0)
--- string to number coercion in arithmetic
print("10" + 5, "3" * "4", "0x10" + 0, " 5 " * 2, "1e2" + 0, "-3" - 1, "2" ^ 2)
--- number to string coercion in concat
print(10 .. 20, 1.5 .. "", -0 .. "", 2^53 .. "", 1e100 .. "x", 0.1 .. "")
--- arithmetic on bad string
print(pcall(function() return "abc" + 1 end))
--- comparisons numbers
print(1 < 2, 2 < 1, 1 <= 1, 2 >= 3, 1 == 1.0, 0 == -0, 1 ~= 2)
--- comparisons strings
print("a" < "b", "abc" < "abd", "Z" < "a", "" < "a", "a" < "aa", "10" < "9", "\0" < "\1")
--- equality across types
print(1 == "1", "1" == 1, nil == false, {} == {}, "a" == "a")
--- compare errors
print(pcall(function() return 1 < "2" end))
print(pcall(function() return {} < {} end))
print(pcall(function() return nil > 1 end))
print(pcall(function() return true <= false end))
--- and or values
print(nil or "d", false and 1, 1 and 2, nil and 1, false or nil, 0 or 1, "" and "e", nil or false)
--- and or chains
local a, b, c = nil, 0, "x"
print(a or b and c, a and b or c, (a or b) and c, a or (b and c), not a and c)
--- not
print(not nil, not false, not 0, not "", not not nil, not not 1)
--- short circuit
local n = 0
local function bump() n = n + 1 return true end
local r = false and bump() or nil and bump()
local s = true or bump()
print(r, s, n)
--- operator precedence
print(1 + 2 * 3, (1 + 2) * 3, 2 * 3 ^ 2, -3 ^ 2, 1 .. 2 .. 3, "a" .. 1 + 2, 1 + 2 < 4, not 1 == 2)
--- concat right assoc numbers
print(1 .. 2 == "12", 1.0 .. "", 1e15 .. "", 0x10 .. "")
--- hex and exponent literals
print(0x10, 0xff, 0XA, 1e2, 1E-2, .5, 5., 3e0, 0x1p4, 0xA.8p0, 0x.8p1, 0b101)
--- long numeric literals
print(9007199254740993, 0xffffffffffffffff, 1e309, 0x7fffffff)
--- multiple assignment evaluation order
local i = 1
local t = {}
i, t[i] = i + 1, 20
print(i, t[1], t[2])
--- swap
local x, y = 1, 2
x, y = y, x
print(x, y)
--- unbalanced assignment
local p, q, w = 1
print(p, q, w)
local e, f = 1, 2, 3
print(e, f)
--- globals
g1 = 5
g2 = g1 * 2
print(g1, g2, g3)
--- tostring of integers from float ops
print(3 * 1.5, 0.5 + 0.5, 1e2 / 10, 2^31, 2^32 + 1, -2^31)
--- number keys normalization
local t = {}
t[1.0] = "a"
t[2] = "b"
print(t[1], t[2.0], #t)
--- negative zero
local z = -0
print(z, 0 * -1, 1 / z < 0, z == 0)
--- first line starting with a hash is skipped
#[[ not a long string: the loader skips this line
print("after the first line")
