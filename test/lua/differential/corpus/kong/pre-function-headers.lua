-- A typical ~20-line pre-function over a stubbed kong.request / kong.service.request.
local req_headers = { ["x-api-key"] = "k-123", ["x-tenant"] = "Acme Co" }
local set = {}
local kong = {
  request = { get_header = function(n) return req_headers[n:lower()] end },
  service = { request = { set_header = function(n, v) set[#set + 1] = n .. ": " .. v end } },
  response = { exit = function(status, body) return status, body end },
}
local function access()
  local key = kong.request.get_header("X-Api-Key")
  if not key then return kong.response.exit(401, { message = "no key" }) end
  local tenant = kong.request.get_header("x-tenant") or "default"
  tenant = tenant:lower():gsub("%s+", "-")
  kong.service.request.set_header("X-Consumer", "key:" .. key:sub(1, 4))
  kong.service.request.set_header("X-Tenant", tenant)
end
print(access())
print(table.concat(set, " | "))
req_headers = {}
local status, body = access()
print(status, body.message)
