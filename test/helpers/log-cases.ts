// What Kong's log-plugin specs share, written once for the file-log, http-log, tcp-log,
// udp-log and loggly tests: the custom_fields_by_lua fields every one of those specs logs and
// what the record must then hold, and the gRPC service the #grpc cases call through.
import type { Test } from 'tap'
import { stringify } from 'yaml'

/** spec/03-plugins/01-tcp-log/01-tcp-log_spec.lua:244 (and the same fields in udp-log, loggly, file-log, http-log). */
export const KONG_CUSTOM_FIELDS: Readonly<Record<string, string>> = {
  new_field: 'return 123',
  'nested.keys': 'return 456',
  'escape\\.dots': 'return 789',
  'nested.escape\\.dots': 'return 135',
  route: 'return nil',
}

/** The record those fields make: new and nested fields set (an escaped dot is a plain dot), `route` unset. */
export function checkKongCustomFields(t: Test, rec: Record<string, unknown>): void {
  t.equal(rec.new_field, 123, 'a new field')
  t.same(rec.nested, { keys: 456, 'escape.dots': 135 }, 'nested fields, one with an escaped dot')
  t.equal(rec['escape.dots'], 789, 'an escaped dot at the top')
  t.notOk('route' in rec, 'route = "return nil" unsets the field')
}

/**
 * kong.yml with service `grpc-service` at the gRPC upstream on `port` and routes on
 * `/hello.HelloService` carrying `plugins`. Kong's #grpc cases call over HTTP/2; an HTTP/1.1
 * route in front of the grpc service carries the call here (test/helpers/grpc-h1.ts).
 */
export function grpcLogYaml(port: number, routes: ReadonlyArray<{ name?: string; hosts?: string[]; plugins: unknown[] }>): string {
  return stringify({
    _format_version: '3.0',
    services: [
      {
        name: 'grpc-service',
        url: `grpc://127.0.0.1:${port}`,
        routes: routes.map((r) => ({
          name: r.name ?? 'grpc',
          protocols: ['http'],
          ...(r.hosts ? { hosts: r.hosts } : {}),
          paths: ['/hello.HelloService'],
          strip_path: false,
          plugins: r.plugins,
        })),
      },
    ],
  })
}
