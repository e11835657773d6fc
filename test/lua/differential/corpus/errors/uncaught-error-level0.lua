-- error() at the top level with level 0: no position.
print("start")
error("no position", 0)
