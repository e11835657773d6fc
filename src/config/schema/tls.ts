/** Certificates, SNIs, CA certificates and vaults (Kong: certificates.lua, snis.lua, ca_certificates.lua, vaults.lua). */
import { X509Certificate, createPrivateKey, createHash } from 'node:crypto'
import * as z from 'zod'
import { kongErrorMap } from '../issues.js'
import type { SchemaContext } from './context.js'
import { entityFields, foreignRef, referenceable, tags, uuid, whenValid } from './typedefs.js'
import { wildcardHost } from './route.js'

const PEM_CERT_RE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g

function checkCertificate(pem: string): string | undefined {
  try {
    new X509Certificate(pem)
    return undefined
  } catch (err) {
    return `invalid certificate: ${(err as Error).message}`
  }
}

function checkKey(pem: string): string | undefined {
  try {
    createPrivateKey(pem)
    return undefined
  } catch (err) {
    return `invalid key: ${(err as Error).message}`
  }
}

// Kong's strings are at least one character long unless a schema says otherwise: an empty PEM is that, not unparsable.
const certPem = z
  .string()
  .min(1, { error: 'length must be at least 1' })
  .superRefine((v, c) => {
    const err = v === '' ? undefined : checkCertificate(v)
    if (err) c.addIssue({ code: 'custom', message: err })
  })
const keyPem = z
  .string()
  .min(1, { error: 'length must be at least 1' })
  .superRefine((v, c) => {
    const err = v === '' ? undefined : checkKey(v)
    if (err) c.addIssue({ code: 'custom', message: err })
  })

function matches(cert: string, key: string): boolean {
  try {
    return new X509Certificate(cert).checkPrivateKey(createPrivateKey(key))
  } catch {
    return false
  }
}

/** An sni nested in a certificate: a bare name, or a decK-style object. */
export const certificateSni = z.union([
  z.string(),
  z.strictObject({ name: z.string().describe('The server name.'), tags: tags.optional(), id: uuid.optional() }),
])

export function certificateSchema(ctx: SchemaContext) {
  const pemCert =
    ctx.mode === 'validate'
      ? referenceable(certPem, 'PEM certificate (chain).', 'public')
      : z.string().describe('PEM certificate (chain). May be a vault reference.')
  const pemKey = ctx.mode === 'validate' ? referenceable(keyPem, 'PEM private key.') : z.string().describe('PEM private key. May be a vault reference.')
  const shape = {
    id: uuid.optional(),
    cert: pemCert,
    key: pemKey,
    cert_alt: pemCert.optional().describe('An alternate certificate of another key type (e.g. ECDSA beside RSA).'),
    key_alt: pemKey.optional().describe('The private key of cert_alt.'),
    snis: z.array(certificateSni).optional().describe('Server names served with this certificate (strings, or decK-style objects).'),
    tags: tags.optional(),
    ...entityFields,
  }
  if (ctx.mode === 'document') return z.strictObject(shape).meta({ title: 'Certificate' })
  return z.strictObject(shape).superRefine(
    (cert, c) => {
      if ((cert.cert_alt === undefined) !== (cert.key_alt === undefined)) {
        c.addIssue({ code: 'custom', path: [], message: "all or none of these fields must be set: 'cert_alt', 'key_alt'" })
      }
      // A cert or key that does not parse was reported by its own field already.
      if (checkCertificate(cert.cert) === undefined && checkKey(cert.key) === undefined && !matches(cert.cert, cert.key))
        c.addIssue({ code: 'custom', path: ['key'], message: 'certificate does not match key' })
      if (cert.cert_alt !== undefined && cert.key_alt !== undefined && !matches(cert.cert_alt, cert.key_alt)) {
        c.addIssue({ code: 'custom', path: ['key_alt'], message: 'alternative certificate does not match key' })
      }
    },
    whenValid('cert', 'key', 'cert_alt', 'key_alt'),
  )
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)
const REF_KEYS = new Set(['id', 'name', 'username'])

/**
 * A service's or upstream's `client_certificate`: a reference to a certificate
 * (its id, or decK's `{ id }`). Kong checks an object without an id as a
 * certificate, with the certificate's messages, and a valid one still lacks the
 * primary key a reference needs: a certificate cannot be nested there
 * (schema/init.lua on foreign fields; 05-error-flattening_spec).
 */
export function certificateRef(ctx: SchemaContext, description: string) {
  if (ctx.mode === 'document') return foreignRef.optional().describe(description)
  const certificate = certificateSchema(ctx)
  const copy = (from: readonly z.core.$ZodIssue[], c: z.core.$RefinementCtx) => {
    for (const iss of from) c.addIssue({ code: 'custom', path: iss.path as (string | number)[], message: iss.message })
  }
  return z
    .unknown()
    .transform((v, c): z.infer<typeof foreignRef> | undefined => {
      if (v === undefined) return undefined
      if (isObject(v) && v.id === undefined && !Object.keys(v).every((k) => REF_KEYS.has(k))) {
        const parsed = certificate.safeParse(v, { error: kongErrorMap })
        if (!parsed.success) copy(parsed.error.issues, c)
        else c.addIssue({ code: 'custom', path: ['id'], message: 'missing primary key (declare the certificate under certificates and name its id here)' })
        return z.NEVER
      }
      const parsed = foreignRef.safeParse(v, { error: kongErrorMap })
      if (parsed.success) return parsed.data
      copy(parsed.error.issues, c)
      return z.NEVER
    })
    .optional()
    .describe(description)
}

export function sniSchema(ctx: SchemaContext) {
  return z
    .strictObject({
      id: uuid.optional(),
      name: wildcardHost.describe('The server name; `*.example.com` wildcards allowed.'),
      certificate: ctx.parent === 'certificates' ? foreignRef.optional() : foreignRef.describe('The certificate (id) served for this name.'),
      tags: tags.optional(),
      ...entityFields,
    })
    .meta({ title: 'SNI' })
}

export function caCertificateSchema(ctx: SchemaContext) {
  const shape = {
    id: uuid.optional(),
    cert: z.string().describe('One PEM CA certificate.'),
    cert_digest: z.string().optional().describe('sha256 of the certificate (computed when omitted).'),
    tags: tags.optional(),
    ...entityFields,
  }
  if (ctx.mode === 'document') return z.strictObject(shape).meta({ title: 'CA certificate' })
  return z.strictObject(shape).superRefine((ca, c) => {
    const count = ca.cert.match(PEM_CERT_RE)?.length ?? 0
    if (count > 1) {
      c.addIssue({ code: 'custom', path: ['cert'], message: 'please submit only one certificate at a time' })
      return
    }
    let x509: X509Certificate
    try {
      x509 = new X509Certificate(ca.cert)
    } catch (err) {
      c.addIssue({ code: 'custom', path: ['cert'], message: `invalid certificate: ${(err as Error).message}` })
      return
    }
    if (!x509.ca) {
      c.addIssue({ code: 'custom', path: ['cert'], message: 'certificate does not appear to be a CA because it is missing the "CA" basic constraint' })
    }
    if (Date.parse(x509.validTo) < Date.now()) {
      c.addIssue({ code: 'custom', path: ['cert'], message: 'certificate expired, "Not After" time is in the past' })
    }
  }, whenValid('cert'))
}

/** sha256 hex of a certificate's DER form, as Kong's `cert_digest`. */
export function certDigest(pem: string): string {
  return createHash('sha256').update(new X509Certificate(pem).raw).digest('hex')
}

const VAULT_PREFIX_RE = /^[a-z][a-z0-9-]*[a-z0-9]$/

export const vaultSchema = z
  .strictObject({
    id: uuid.optional(),
    prefix: z
      .string()
      .superRefine((v, c) => {
        if (!VAULT_PREFIX_RE.test(v)) c.addIssue({ code: 'custom', message: `invalid value: ${v}` })
        else if (v === 'env') c.addIssue({ code: 'custom', message: 'must not be one of: env' })
      })
      .describe('The name references use: {vault://<prefix>/...}.'),
    // Kong's message for a vault type it has not loaded (vaults.lua subschema_error).
    name: z
      .enum(['env'], {
        error: (iss) => (iss.input === undefined ? undefined : typeof iss.input === 'string' ? `vault '${iss.input}' is not installed` : 'expected a string'),
      })
      .describe('The vault type. Only `env` (environment variables) is available, as in Kong OSS.'),
    description: z.string().optional().describe('Free text.'),
    config: z
      .strictObject({
        prefix: z
          .string()
          .regex(/^[A-Za-z_-][A-Za-z0-9_-]*$/, { error: (iss) => `invalid value: ${String(iss.input)}` })
          .optional()
          .describe('Prefix added to the environment variable name.'),
        base64_decode: z.boolean().optional().describe('Decode the variable as base64.'),
      })
      .optional()
      .describe('Configuration of the env vault.'),
    tags: tags.optional(),
    ...entityFields,
  })
  .meta({ title: 'Vault' })
