/**
 * Kong's health of each target of an upstream (its balancer's
 * get_upstream_health): one answer for the Admin API's
 * `/upstreams/{u}/health` and the prometheus plugin's
 * `kong_upstream_target_health`, so the two never disagree.
 */
import type { Config, Target, Upstream } from '../config/model.js'
import { parseTarget } from '../config/schema/upstream.js'
import type { Balancer } from './balancer.js'

/** Kong's states of an address (the Admin API's spelling; the metric lowercases them). */
export type AddressHealth = 'HEALTHY' | 'UNHEALTHY' | 'HEALTHCHECKS_OFF'

export interface TargetHealthEntry {
  readonly target: Target
  /** The address the balancer reaches (targets are reached by name here: no DNS step), when the target parses. */
  readonly address: { readonly ip: string; readonly port: number } | undefined
  readonly health: AddressHealth
}

/** Kong reports HEALTHCHECKS_OFF when neither active probes nor passive counting is on. */
export function healthchecksOff(u: Upstream): boolean {
  const { active, passive } = u.healthchecks
  return (
    active.healthy.interval === 0 &&
    active.unhealthy.interval === 0 &&
    passive.unhealthy.http_failures === 0 &&
    passive.unhealthy.tcp_failures === 0 &&
    passive.unhealthy.timeouts === 0
  )
}

/** Each target of `u` in file order, with the health the balancer (and the node's health store) knows. */
export function targetsHealth(config: Config, balancer: Balancer | undefined, u: Upstream): TargetHealthEntry[] {
  const off = healthchecksOff(u)
  const states = new Map((balancer?.health() ?? []).map((h) => [h.target, h.healthy]))
  return config.targets
    .filter((t) => t.upstream === u.id)
    .map((t) => {
      const parsed = parseTarget(t.target)
      const healthy = states.get(parsed ? `${parsed.host}:${parsed.port}` : t.target)
      const health: AddressHealth = off || healthy === undefined ? 'HEALTHCHECKS_OFF' : healthy ? 'HEALTHY' : 'UNHEALTHY'
      return { target: t, address: parsed ? { ip: parsed.host, port: parsed.port } : undefined, health }
    })
}
