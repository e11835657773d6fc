-- error() at the top level with a message.
print("start")
error("fatal: configuration invalid")
