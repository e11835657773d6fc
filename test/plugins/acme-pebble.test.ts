// The acme plugin end to end against a real ACME server (Debian's pebble, test/helpers/pebble.ts):
// a TLS handshake for a covered name with no certificate starts an order, pebble validates the
// HTTP-01 challenge against the gateway's plain listener, and a later handshake for that name gets
// the certificate pebble issued (signed by pebble's intermediate); then renewal.
import { X509Certificate } from 'node:crypto'
import t from 'tap'
import { RENEWAL } from '../../src/plugins/acme/renewal.js'
import { shmStorage } from '../../src/plugins/acme/storage.js'
import { acmeGateway, acmeYml, apiUri, DOMAIN, handshake, issued } from '../helpers/acme.js'
import { freePort, startPebble } from '../helpers/pebble.js'

// Each gateway makes Kong's RSA 4096 account key and pebble validates over real sockets: on a
// busy machine this takes longer than the suite's default 120 s per file.
t.setTimeout(300_000)

t.test('a handshake for a covered domain orders a certificate, served by SNI once issued', async (t) => {
  const [gwPort, pebblePort] = [await freePort(), await freePort()]
  const pebble = await startPebble(t, { httpPort: gwPort, port: pebblePort })
  const { g } = await acmeGateway(t, pebble, gwPort, { domains: [DOMAIN], rsa_key_size: 2048 })

  const first = await handshake(g.tls[0]!, DOMAIN)
  t.match(first.cert.subject, /CN=localhost/, 'the first handshake gets the default certificate while the order runs')
  t.equal(first.status, 200, 'and the request is proxied')

  const { cert, status } = await issued(g.tls[0]!, DOMAIN)
  const intermediate = new X509Certificate(await pebble.intermediate())
  t.equal(cert.issuer, intermediate.subject, "issued by pebble's intermediate")
  t.ok(cert.verify(intermediate.publicKey), "and signed by that intermediate's key")
  t.ok(cert.checkHost(DOMAIN), `for ${DOMAIN}`)
  t.equal(cert.publicKey.asymmetricKeyDetails?.modulusLength, 2048, 'with an RSA key of rsa_key_size bits')
  t.equal(status, 200, 'requests over it are proxied')

  const other = await handshake(g.tls[0]!, 'other.test')
  t.match(other.cert.subject, /CN=localhost/, 'a name not in domains keeps the default certificate')

  t.test('renewal orders a new certificate when the old one ends within renew_threshold_days', async (t) => {
    // A reload with a threshold longer than any certificate's life: everything is due.
    const { writeFileSync } = await import('node:fs')
    const up = g.holder.current().config.services[0]!
    writeFileSync(
      g.file,
      acmeYml({ account_email: 'test@test.com', api_uri: apiUri(pebble), domains: [DOMAIN], rsa_key_size: 2048, renew_threshold_days: 36500 }).replaceAll(
        '$UPSTREAM',
        `${up.protocol}://${up.host}:${up.port}`,
      ),
    )
    const r = await g.reload(true)
    t.equal(r.result, 'applied', 'the new config is applied')
    // Kong leaves an order's lock to expire (30 s) rather than releasing it; a day later, when
    // the renewal timer runs, it is long gone. Here it is removed instead of waited for.
    await shmStorage(g.node, 'kong').delete(`kong_acme:update_lock:${DOMAIN}`)
    await g.node.slot(RENEWAL).runNow()
    const after = await handshake(g.tls[0]!, DOMAIN)
    t.not(after.cert.serialNumber, cert.serialNumber, 'a new certificate is served after the renewal pass')
    t.equal(after.cert.issuer, intermediate.subject, "also issued by pebble's intermediate")
    t.equal(
      after.cert.publicKey.export({ type: 'spki', format: 'der' }).toString('hex'),
      cert.publicKey.export({ type: 'spki', format: 'der' }).toString('hex'),
      'with the same key',
    )
  })
})
