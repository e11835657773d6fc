-- The legacy Supabase template (../shared/corpus/supabase-rendered/kong.rendered-legacy.yml:117).
local function auth(headers)
  return (headers.authorization ~= nil and headers.authorization:sub(1, 10) ~= 'Bearer sb_' and headers.authorization) or headers.apikey
end
print(auth({ authorization = "Bearer eyJ.anon" }))
print(auth({ authorization = "Bearer sb_x", apikey = "k" }))
print(auth({ apikey = "only-key" }))
print(tostring(auth({})))
