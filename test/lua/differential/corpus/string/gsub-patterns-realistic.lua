-- Real-world gsub uses: header names, camelCase, collapsing whitespace.
print(("content-type"):gsub("^%l", string.upper):gsub("%-(%l)", function(c) return "-" .. c:upper() end))
print(("someVariableName"):gsub("(%u)", function(c) return "_" .. c:lower() end))
print(("a   b \t c"):gsub("%s+", " "))
print(("Bearer abc.def.ghi"):match("^Bearer%s+(.+)$"))
print(("/api/v1/users/"):gsub("/+$", ""))
