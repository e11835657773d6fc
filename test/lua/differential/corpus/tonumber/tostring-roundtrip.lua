-- tostring(tonumber(x)) canonicalises numeric text.
for _, s in ipairs({ "1.0", "1e2", "0x10", "  7 ", "-0", "1e15", "123456789012345678", "0.1", "3.14159265358979323" }) do
  print(s, tostring(tonumber(s)))
end
