/**
 * This gateway node's identity (Kong's node_id and hostname). Workers forked
 * by `--workers` inherit the primary's id through GATEWAY_NODE_ID, so every
 * worker of one node reports the same id, as Kong's workers do.
 */
import { randomUUID } from 'node:crypto'
import { hostname } from 'node:os'

export const NODE: { readonly id: string; readonly hostname: string } = Object.freeze({
  id: process.env.GATEWAY_NODE_ID ?? randomUUID(),
  hostname: hostname(),
})
