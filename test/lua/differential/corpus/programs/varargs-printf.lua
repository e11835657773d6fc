-- A printf built on string.format and varargs, collecting output lines.
local lines = {}
local function printf(fmt, ...) lines[#lines + 1] = string.format(fmt, ...) end
printf("%s has %d items costing %.2f", "cart", 3, 19.5)
printf("%5s|%-5s|%05.1f", "a", "b", 3.14159)
printf("%s %s", "no", "args?")
printf("%%d literally")
print(table.concat(lines, "\n"))
print(pcall(printf, "%d"))
