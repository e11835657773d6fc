/**
 * The plugins of an explained request, per phase, in run order: the same
 * chain the proxy runs (chains.ts), the same instance choice as the access
 * phase (chooseInstance, with the consumer identified so far), the same
 * per-phase lists (phaseLists). Each access-phase plugin's outcome comes from
 * its definition's explain hook when it has one; nothing runs a real phase.
 */
import { chooseInstance, phaseLists, type Chain, type PluginInstance } from '../../compile/chains.js'
import type { Runtime } from '../../compile/runtime.js'
import type { Consumer, Route } from '../../config/model.js'
import type { ConsumerIndex, ExplainRequest, Exit } from '../../plugins/types.js'
import type { ExplainedRequest } from './input.js'

/** Kong's precedence levels (chains.ts levelOf), most specific first. */
export const SCOPES = ['', 'consumer+route+service', 'consumer+route', 'consumer+service', 'route+service', 'consumer', 'route', 'service', 'global'] as const

export interface Answer {
  status: number
  message: string | null
  /** Who answers: a plugin's name, `router`, `protocol`, `balancer`, `service`. */
  by: string
}

export interface PluginStep {
  name: string
  id: string
  instance_name: string | null
  priority: number
  scope: string
  /** Why this instance and not another of the same plugin. */
  why: string
  /** answers | identifies | runs | skipped | not-reached | unknown (access only; other phases: runs). */
  outcome: 'answers' | 'identifies' | 'runs' | 'skipped' | 'not-reached' | 'unknown'
  answer: { status: number; message: string | null } | null
  consumer: { id: string; username: string | null; anonymous: boolean } | null
  note: string | null
}

export interface PluginsExplained {
  phases: { rewrite: PluginStep[]; access: PluginStep[]; header_filter: PluginStep[]; body_filter: PluginStep[]; log: PluginStep[] }
  /** Static priority order of the access phase and the order `ordering` makes, when it changes anything. */
  ordering: { static: string[]; dynamic: string[]; rules: string[] } | null
  consumer: { id: string; username: string | null; anonymous: boolean } | null
  answer: Answer | null
}

/** The message an answer carries, whatever its shape (`error`, `message`, a JSON table). */
export function messageOf(e: Exit): string | null {
  if (e.error !== undefined) return e.error
  if (e.message !== undefined) return e.message
  if (e.json !== undefined) return JSON.stringify(e.json)
  return null
}

const consumerView = (c: Consumer, anonymous: boolean) => ({ id: c.id, username: c.username ?? null, anonymous })

/** Does an instance of this plugin name apply to this route/service/consumer at all? */
function applies(i: PluginInstance, route: Route | undefined, consumerId: string | undefined): boolean {
  const p = i.plugin
  if (p.route !== undefined && p.route !== route?.id) return false
  if (p.service !== undefined && (route?.service === undefined || p.service !== route.service)) return false
  if (p.consumer !== undefined && p.consumer !== consumerId) return false
  return true
}

function whyChosen(rt: Runtime, inst: PluginInstance, route: Route | undefined, consumerId: string | undefined, consumerKnown: boolean): string {
  const others = rt.chains.instances.filter((i) => i !== inst && i.name === inst.name && applies(i, route, consumerId))
  const beaten = others.filter((i) => i.level > inst.level).map((i) => SCOPES[i.level])
  const late = others.filter((i) => i.level < inst.level && i.plugin.consumer !== undefined && !consumerKnown).map((i) => SCOPES[i.level])
  const parts: string[] = []
  if (beaten.length) parts.push(`more specific than the ${beaten.join(', ')} instance${beaten.length > 1 ? 's' : ''}`)
  else parts.push(inst.level === 8 ? 'the only instance: global' : `the only instance that applies (${SCOPES[inst.level]})`)
  if (late.length) parts.push(`the ${late.join(', ')} instance is not used: no consumer is identified when this plugin runs`)
  return parts.join('; ')
}

function step(rt: Runtime, inst: PluginInstance, route: Route | undefined, consumerId: string | undefined, consumerKnown: boolean): PluginStep {
  return {
    name: inst.name,
    id: inst.plugin.id,
    instance_name: inst.plugin.instance_name ?? null,
    priority: inst.priority,
    scope: SCOPES[inst.level]!,
    why: whyChosen(rt, inst, route, consumerId, consumerKnown),
    outcome: 'runs',
    answer: null,
    consumer: null,
    note: null,
  }
}

export function explainPlugins(
  rt: Runtime,
  req: ExplainedRequest,
  route: Route | undefined,
  chain: Chain | undefined,
  consumers: ConsumerIndex,
  assume: Consumer | undefined,
  before: Answer | null,
): PluginsExplained {
  const global = rt.chains.global
  const query = new URLSearchParams(req.query.slice(1))
  const rewrite = global.lists.rewrite.map((i) => step(rt, i, undefined, undefined, false))
  if (!chain) {
    // No route (or refused before access): the global instances' response phases still run.
    const lists = global.lists
    const of = (list: readonly PluginInstance[]) => list.map((i) => step(rt, i, undefined, undefined, false))
    return {
      phases: { rewrite, access: [], header_filter: of(lists.headerFilter), body_filter: of(lists.bodyFilter), log: of(lists.log) },
      ordering: null,
      consumer: null,
      answer: before,
    }
  }
  let consumer: Consumer | undefined
  let anonymous = false
  let credential = false
  let answer: Answer | null = before
  const chosen: (PluginInstance | undefined)[] = new Array<PluginInstance | undefined>(chain.slots.length)
  const access: PluginStep[] = []
  const steps = new Map<PluginInstance, PluginStep>()
  for (const idx of chain.accessOrder) {
    const inst = chooseInstance(chain.slots[idx]!, consumer?.id)
    chosen[idx] = inst
    if (!inst) continue
    const s = step(rt, inst, route, consumer?.id, consumer !== undefined)
    steps.set(inst, s)
    if (!inst.phases.access) continue
    access.push(s)
    if (answer) {
      s.outcome = 'not-reached'
      s.note = 'the request was answered earlier: its access phase does not run (its response phases do)'
      continue
    }
    const hook = inst.definition.explain
    if (!hook) {
      s.outcome = 'unknown'
      s.note = 'runs; outcome depends on runtime'
      continue
    }
    const view: ExplainRequest = {
      method: req.method,
      path: req.path,
      headers: req.headers,
      query,
      clientIp: req.clientIp,
      consumer,
      credential,
      assume,
      consumers,
    }
    let out
    try {
      out = hook(inst.plugin.config as never, view)
    } catch (err) {
      out = { note: `its explain hook failed: ${(err as Error).message}` }
    }
    if (!out) {
      s.outcome = 'unknown'
      s.note = 'runs; outcome depends on runtime'
      continue
    }
    s.note = out.note ?? null
    if (out.skipped) s.outcome = 'skipped'
    if (out.identifies) {
      consumer = out.identifies.consumer
      anonymous = out.identifies.anonymous
      credential = !anonymous
      s.outcome = 'identifies'
      s.consumer = consumerView(consumer, anonymous)
    }
    if (out.answers) {
      s.outcome = 'answers'
      s.answer = { status: out.answers.status, message: messageOf(out.answers) }
      answer = { status: out.answers.status, message: messageOf(out.answers), by: inst.name }
    }
  }
  const lists = phaseLists(chosen, chain.accessOrder)
  const of = (list: readonly PluginInstance[]) =>
    list.map((i) => ({ ...(steps.get(i) ?? step(rt, i, route, consumer?.id, true)), outcome: 'runs' as const, answer: null, note: null }))
  const names = chain.slots.map((x) => x.name)
  const dynamic = chain.accessOrder.map((i) => chain.slots[i]!.name)
  const rules: string[] = []
  for (const inst of rt.chains.instances) {
    if (!names.includes(inst.name) || !applies(inst, route, consumer?.id)) continue
    for (const other of inst.plugin.ordering?.before?.access ?? []) rules.push(`${inst.name} before ${other}`)
    for (const other of inst.plugin.ordering?.after?.access ?? []) rules.push(`${inst.name} after ${other}`)
  }
  return {
    phases: { rewrite, access, header_filter: of(lists.headerFilter), body_filter: of(lists.bodyFilter), log: of(lists.log) },
    ordering: rules.length || dynamic.join() !== names.join() ? { static: names, dynamic, rules: [...new Set(rules)] } : null,
    consumer: consumer ? consumerView(consumer, anonymous) : null,
    answer,
  }
}
