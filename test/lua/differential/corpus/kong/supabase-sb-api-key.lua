-- The Supabase functions template (../shared/corpus/supabase-rendered/kong.rendered.yml:351): sb-api-key
-- from the apikey header or a bearer sb_ key, else nil (the header is then not added).
local S = 'sb_secret_89abcdef0123456789abcdef'
local P = 'sb_publishable_0123456789abcdef01234567'
local function key(headers)
  return (headers.apikey == S and 'service-jwt') or (headers.apikey == P and 'anon-jwt') or (headers.authorization == 'Bearer ' .. S and 'service-jwt') or (headers.authorization == 'Bearer ' .. P and 'anon-jwt') or nil
end
print(key({ apikey = S }), key({ apikey = P }), key({ authorization = "Bearer " .. S }), key({ authorization = "Bearer " .. P }), key({ apikey = "x" }))
