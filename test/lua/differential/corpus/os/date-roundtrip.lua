-- os.time(os.date("*t", t)) == t under TZ=UTC.
for _, t in ipairs({ 0, 86399, 951782400, 1700000000, 2000000000 }) do
  local back = os.time(os.date("*t", t))
  print(t, back, back == t, os.date("!%Y-%m-%dT%H:%M:%SZ", t))
end
