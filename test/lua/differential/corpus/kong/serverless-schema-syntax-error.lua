-- Kong spec/03-plugins/33-serverless-functions/01-schema_spec.lua:6 and :85: Kong validates with
-- loadstring; the message for "print(" is [string "print("]:1: unexpected symbol near '<eof>'.
local f, err = loadstring("print(")
print(f, err)
print("error parsing pre-function: " .. err)
print(loadstring('return "hello-world"')())
print(loadstring("local x = 1")())
print(select("#", loadstring("local x = 1")()))
