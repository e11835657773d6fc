-- String comparison is bytewise.
print("a" < "b", "a" < "B", "abc" < "abd", "ab" < "abc", "" < "a")
print("Z" < "a", "10" < "9", "a\0b" < "a\0c", "\255" > "a")
print("abc" <= "abc", "abc" >= "abd", "b" > "a")
