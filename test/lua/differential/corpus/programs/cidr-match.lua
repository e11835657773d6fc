-- IPv4 parsing and CIDR matching with arithmetic (no bit library).
local function ip2n(ip) local a, b, c, d = ip:match("^(%d+)%.(%d+)%.(%d+)%.(%d+)$") return ((a * 256 + b) * 256 + c) * 256 + d end
local function in_cidr(ip, cidr)
  local base, bits = cidr:match("^(.-)/(%d+)$")
  local size = 2 ^ (32 - tonumber(bits))
  return math.floor(ip2n(ip) / size) == math.floor(ip2n(base) / size)
end
print(ip2n("10.0.0.1"), ip2n("255.255.255.255"), ip2n("192.168.1.10"))
print(in_cidr("10.1.2.3", "10.0.0.0/8"), in_cidr("11.0.0.1", "10.0.0.0/8"), in_cidr("192.168.1.200", "192.168.1.128/25"), in_cidr("1.2.3.4", "0.0.0.0/0"))
