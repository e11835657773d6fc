/** The usage text of `gateway serve` (main.ts prints it without loading the server). */
import { REQUIRABLE } from '../lua/requirable.js'

/** `text` in lines of at most 96 characters, each after `indent`. */
function wrap(text: string, indent: string): string {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(' ')) {
    if (line && indent.length + line.length + 1 + word.length > 96) {
      lines.push(indent + line)
      line = word
    } else line = line ? `${line} ${word}` : word
  }
  return [...lines, indent + line].join('\n')
}

export const SERVE_USAGE = `  gateway serve [--config PATH]... [--listen 'HOST:PORT [http2] [ssl]'|off]... [--tls-listen HOST:PORT]...
                [--stream-listen 'HOST:PORT [ssl] [udp]'|off]...
                [--admin-listen HOST:PORT|off] [--trusted-ips CIDR,...] [--drain-timeout MS]
                [--real-ip-header NAME] [--real-ip-recursive on|off]
                [--log-level LEVEL] [--access-log] [--workers N|auto] [--underscores-in-headers on|off]
                [--server-token PRODUCT] [--headers LIST|off] [--headers-upstream LIST|off]
                [--allow-debug-header on|off]
                [--tracing-instrumentations LIST|off] [--tracing-sampling-rate RATE]
                [--untrusted-lua-sandbox-requires MOD,...]
                [--error-default-type TYPE] [--error-template-html|json|xml|plain PATH]
                [--upstream-keepalive-pool-size N] [--upstream-keepalive-max-requests N]
                [--upstream-keepalive-idle-timeout SECONDS]
      Serve a declarative file, reloading it when it changes (SIGHUP forces a reload).
      --config: a file, or a directory (its *.yml, *.yaml and *.json, no dotfiles); several
      --config are merged into one config (a ConfigMap and a Secret). Defaults: ./kong.yml, 0.0.0.0:8000, no TLS, admin 127.0.0.1:8001, drain 25000 ms.
      --stream-listen: Kong's stream_listen (off by default): tcp, tls and tls_passthrough routes
      (\`ssl\`: TLS terminated or passed through per route), udp routes (\`udp\`).
      --server-token: the product in Server and Via (default Kong's, kong/<version>).
      --headers: Kong's headers on answers (Kong's \`headers\`; default server_tokens,
      latency_tokens, X-Kong-Request-Id; also Server, Via, X-Kong-Proxy-Latency,
      X-Kong-Response-Latency, X-Kong-Upstream-Latency, X-Kong-Admin-Latency,
      X-Kong-Upstream-Status). --headers-upstream: X-Kong-Request-Id (default) or off.
      --allow-debug-header: a request with Kong-Debug gets Kong-Route-Id, Kong-Route-Name,
      Kong-Service-Id and Kong-Service-Name back (Kong's allow_debug_header; off by default).
      --tracing-instrumentations: the spans recorded for every request (Kong's
      tracing_instrumentations; off by default): all, request, router, http_client, balancer,
      plugin_rewrite, plugin_access, plugin_header_filter. --tracing-sampling-rate: the share of
      traces kept, 0 to 1 (Kong's tracing_sampling_rate; 0.01 by default).
      --error-default-type: the template of the gateway's 400/502/504 for a request with neither
      Accept nor Content-Type (Kong's error_default_type: text/plain by default, application/json,
      application/xml, text/html). --error-template-*: Kong's error_template_* files (%s: the
      message, then the request id).
      --upstream-keepalive-*: Kong's upstream_keepalive_pool_size (default 512 per pool; 0: no
      keep-alive), _max_requests (10000 per connection; 0: no limit) and _idle_timeout (60 s;
      0: indefinitely).
      --untrusted-lua-sandbox-requires: the modules Lua snippets may require (Kong's
      untrusted_lua_sandbox_requires; none by default), among:
${wrap(REQUIRABLE.join(', '), '        ')}
      Environment: GATEWAY_CONFIG, GATEWAY_LISTEN, GATEWAY_TLS_LISTEN, GATEWAY_STREAM_LISTEN,
      GATEWAY_ADMIN_LISTEN,
      GATEWAY_TRUSTED_IPS, GATEWAY_REAL_IP_HEADER, GATEWAY_REAL_IP_RECURSIVE, GATEWAY_DRAIN_TIMEOUT,
      GATEWAY_LOG_LEVEL, GATEWAY_ACCESS_LOG, GATEWAY_WORKERS, GATEWAY_UNDERSCORES_IN_HEADERS,
      GATEWAY_SERVER_TOKEN, GATEWAY_HEADERS, GATEWAY_HEADERS_UPSTREAM, GATEWAY_ALLOW_DEBUG_HEADER,
      GATEWAY_TRACING_INSTRUMENTATIONS, GATEWAY_TRACING_SAMPLING_RATE,
      GATEWAY_UNTRUSTED_LUA_SANDBOX_REQUIRES, GATEWAY_ERROR_DEFAULT_TYPE,
      GATEWAY_ERROR_TEMPLATE_HTML|JSON|XML|PLAIN, GATEWAY_UPSTREAM_KEEPALIVE_POOL_SIZE|MAX_REQUESTS|
      IDLE_TIMEOUT, GATEWAY_SYSLOG_SOCKET (the syslog plugin's socket; default /dev/log)
      (lists are comma-separated).
      Logs are JSON lines on stdout.`

/** The usage text of `gateway explain`. */
export const EXPLAIN_USAGE = `  gateway explain FILE METHOD URL [-H 'Name: value']... [--consumer NAME] [--sni NAME]
                  [--client-ip IP] [--format text|json]
      What the gateway would do with this request: the route (and the runner-ups, with why
      each lost), the upstream URL, the target choice, every plugin per phase with its scope,
      and which plugin would answer early. URL is http(s)://host/path?query or a /path (Host
      from -H). Exit 0 when a route matches, 1 when none does, 2 on usage, I/O or an invalid file.`
