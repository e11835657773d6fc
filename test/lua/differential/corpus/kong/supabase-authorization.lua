-- The Supabase template (../shared/corpus/supabase-rendered/kong.rendered.yml:119): Authorization from
-- an existing non-sb_ bearer, else the JWT for a secret/publishable apikey, else the apikey itself.
local function auth(headers)
  return (headers.authorization ~= nil and headers.authorization:sub(1, 10) ~= 'Bearer sb_' and headers.authorization) or (headers.apikey == 'sb_secret_89abcdef0123456789abcdef' and 'Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIiwia2luZCI6ImFzeW0taW50ZXJuYWwifQ.zx1XNkycwiTM5fefyzyJUGLUJa52hsOHaWVuuuBPWJw') or (headers.apikey == 'sb_publishable_0123456789abcdef01234567' and 'Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJyb2xlIjoiYW5vbiIsImtpbmQiOiJhc3ltLWludGVybmFsIn0.HuGpHZ0scrx6YVZMKOW-umR_L1scFnBTtwV2GQMPWPs') or headers.apikey
end
print(auth({ authorization = "Bearer user-jwt" }))
print(auth({ authorization = "Bearer sb_secret_89abcdef0123456789abcdef", apikey = "sb_secret_89abcdef0123456789abcdef" }))
print(auth({ apikey = "sb_publishable_0123456789abcdef01234567" }))
print(auth({ apikey = "legacy-anon-jwt" }))
print(auth({}))
