/**
 * The library entry point, for embedding the gateway and writing plugins
 * against the kit. The CLI (bin/gateway) is the usual way to run it.
 */
export { startGateway, type Gateway, type GatewayOptions } from './server/gateway.js'
export { loadConfig, loadFile, loadPaths, loadSources } from './config/load.js'
export { createNodeState, type NodeState, type NodeOptions } from './node/state.js'
export { pluginSet, BUNDLED_PLUGINS, type CustomPlugin, type PluginSet } from './plugins/set.js'
export { ANY_SCOPE, NO_CONSUMER, PROTOCOLS_ALL, defineHandler, definePhases, definePlugin, nodeSlot } from './plugins/types.js'
export type {
  CounterTake,
  Exit,
  Kit,
  KitRequest,
  KitResponse,
  KitUpstream,
  NodeCounters,
  NodeSlot,
  NodeView,
  PhaseName,
  PluginDefinition,
  PluginEnv,
  PluginFactory,
  PluginHandler,
  PluginPhases,
  StreamExit,
  StreamKit,
  StreamSessionFacts,
  StreamTry,
} from './plugins/types.js'
