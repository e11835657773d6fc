/**
 * The plugins this gateway bundles: one line each. Adding a plugin is its folder
 * and one line here (see CONTRIBUTING.md). Each line imports only the plugin's
 * definition (index.ts and its schema); handlers load when a config uses them.
 */
export { default as acl } from './acl/index.js'
export { default as basicAuth } from './basic-auth/index.js'
export { default as botDetection } from './bot-detection/index.js'
export { default as correlationId } from './correlation-id/index.js'
export { default as cors } from './cors/index.js'
export { default as fileLog } from './file-log/index.js'
export { default as hmacAuth } from './hmac-auth/index.js'
export { default as httpLog } from './http-log/index.js'
export { default as ipRestriction } from './ip-restriction/index.js'
export { default as jwt } from './jwt/index.js'
export { default as keyAuth } from './key-auth/index.js'
export { default as postFunction } from './post-function/index.js'
export { default as preFunction } from './pre-function/index.js'
export { default as prometheus } from './prometheus/index.js'
export { default as proxyCache } from './proxy-cache/index.js'
export { default as rateLimiting } from './rate-limiting/index.js'
export { default as redirect } from './redirect/index.js'
export { default as requestCallout } from './request-callout/index.js'
export { default as requestSizeLimiting } from './request-size-limiting/index.js'
export { default as requestTermination } from './request-termination/index.js'
export { default as requestTransformer } from './request-transformer/index.js'
export { default as responseRatelimiting } from './response-ratelimiting/index.js'
export { default as responseTransformer } from './response-transformer/index.js'
