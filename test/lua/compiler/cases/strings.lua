--- escapes
print("tab\tq\"s\'b\\", 'single "inner"', "bell\a" == "bell\7", "\65\066\0677" == "ABC7")
--- hex and decimal escapes
print("\x41\x42\x43", "\x7a", "\100\101", #"\0\0\0")
--- z escape
print("a\z
       b", "c\z  d")
--- unicode escape
print("\u{48}\u{49}", #"\u{20AC}", #"\u{10FFFF}")
--- escaped newline
print("line1\
line2")
--- long strings
print([[plain]], [==[with ]] inside]==], [[
skips first newline]])
print(#[[

x]])
--- embedded nul
local s = "a\0b"
print(#s, s == "a\0b")
--- high bytes
print(#"\200\201", "\255" == "\xff", "é" == "\195\169", #"é")
--- string comparison bytes
print("\200" > "a", "é" > "z")
--- concat chains
local a, b, c = "x", 1, 2.5
print(a .. b .. c, a .. (b .. c), b .. c)
--- concat many
local s = ""
for i = 1, 10 do s = s .. i end
print(s, #s)
--- length of strings
print(#"", #"abc", #"a b c")
--- string keys vs number keys
local t = {}
t["10"] = "s" t[10] = "n"
print(t["10"], t[10])
--- comments
-- line comment
--[[ block
comment ]] print("after block") --[==[ another ]==]
print("end") -- trailing
--- long comment with brackets
--[==[
]] not the end
]==]
print("ok")
