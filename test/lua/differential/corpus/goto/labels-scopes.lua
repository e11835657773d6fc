-- The same label name may appear in different blocks; goto jumps to the visible one.
for i = 1, 2 do
  do
    goto l
    print("skipped")
    ::l::
  end
  print("iteration", i)
end
do goto out end
print("never")
::out::
print("end")
