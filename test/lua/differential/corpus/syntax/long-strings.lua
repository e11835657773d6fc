-- Long brackets: levels, a newline right after the opening is skipped, no escapes.
local a = [[
first line
second]]
print(a)
print([==[with ]] inside]==])
print([[no \n escape]])
print(#[[

]])
print([=[
]=] == "")
--[[ a long
comment ]] print("after long comment")
--[==[ another ]] still comment ]==] print("after level-2 comment")
