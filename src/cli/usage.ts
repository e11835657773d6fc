/** The usage text of `gateway serve` (main.ts prints it without loading the server). */
export const SERVE_USAGE = `  gateway serve [--config PATH] [--listen HOST:PORT]... [--tls-listen HOST:PORT]...
                [--admin-listen HOST:PORT|off] [--trusted-ips CIDR,...] [--drain-timeout MS]
                [--log-level LEVEL] [--access-log] [--workers N|auto] [--underscores-in-headers on|off]
      Serve a declarative file, reloading it when it changes (SIGHUP forces a reload).
      Defaults: ./kong.yml, 0.0.0.0:8000, no TLS, admin 127.0.0.1:8001, drain 25000 ms.
      Environment: GATEWAY_CONFIG, GATEWAY_LISTEN, GATEWAY_TLS_LISTEN, GATEWAY_ADMIN_LISTEN,
      GATEWAY_TRUSTED_IPS, GATEWAY_DRAIN_TIMEOUT, GATEWAY_LOG_LEVEL, GATEWAY_ACCESS_LOG,
      GATEWAY_WORKERS, GATEWAY_UNDERSCORES_IN_HEADERS
      (lists are comma-separated). Logs are JSON lines on stdout.`
