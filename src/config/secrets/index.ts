/**
 * Secrets in a declarative document, and the one redaction helper every output
 * uses: where.ts knows which fields are secret, redact.ts rewrites messages
 * (problems with a file, a plugin's error about its settings), display.ts
 * the admin API's entities. Importers outside this folder use this module.
 */
export { secretSpots, secretStrings, type SecretSpot } from './where.js'
export { REDACTED, SecretRedactor, redactForConfig } from './redact.js'
export { redactForDisplay } from './display.js'
