// Multi-tenant: each customer's own domain may call the API. The allow-list is a SQLite table;
// originLookup() caches its answers (a burst from one origin costs one query, "no" included),
// and when a tenant's domain changes, forget() is published to every instance of the fleet.
import Database from 'better-sqlite3'
import Fastify from 'fastify'
import cors, { originLookup } from 'fastify-cors-policy'

/** Opens (or creates) the tenants database. `file` ':memory:' keeps it in memory. */
export function openDatabase (file = ':memory:') {
  const db = new Database(file)
  db.pragma('journal_mode = WAL') // several instances may share one file
  db.exec('CREATE TABLE IF NOT EXISTS tenant_origins (origin TEXT PRIMARY KEY, tenant TEXT NOT NULL)')
  return db
}

/**
 * One instance of the API. `channel` is the fleet's pub/sub: here a BroadcastChannel (every
 * instance in this process, or worker threads); in production, Redis pub/sub, NATS, Postgres
 * LISTEN/NOTIFY... whatever the app has. Without it, an instance learns of a change when its
 * cached answer expires: after `ttl` at most.
 */
export async function build ({ db = openDatabase(), channel = null, ttl = 60_000, adminToken = process.env.ADMIN_TOKEN ?? 'dev-token' } = {}) {
  const stats = { queries: 0 }
  const isTenant = db.prepare('SELECT 1 FROM tenant_origins WHERE origin = ?').pluck()
  const tenants = originLookup((origin) => {
    stats.queries++
    return isTenant.get(origin) !== undefined
  }, { ttl, negativeTtl: 10_000, max: 50_000 })
  if (channel !== null) channel.onmessage = (event) => tenants.forget(event.data)
  const changed = (origin) => {
    tenants.forget(origin) // this instance at once
    channel?.postMessage(origin) // the others, through the pub/sub
  }

  const app = Fastify({ logger: process.env.LOG === '1' })
  await app.register(cors, { origin: tenants, credentials: true, maxAge: 600 })
  app.get('/api/catalog', async () => [{ sku: 'A-1' }])
  app.put('/api/cart', async (request) => ({ cart: request.body }))

  // Back office, server to server: no CORS, a token.
  app.register(async (admin) => {
    admin.addHook('onRequest', async (request, reply) => {
      if (request.headers.authorization !== `Bearer ${adminToken}`) return reply.code(401).send({ error: 'token required' })
    })
    admin.put('/tenants/:tenant/origin', { cors: false }, async (request) => {
      const origin = request.body.origin
      const old = db.prepare('SELECT origin FROM tenant_origins WHERE tenant = ?').pluck().get(request.params.tenant)
      db.prepare('DELETE FROM tenant_origins WHERE tenant = ?').run(request.params.tenant)
      db.prepare('INSERT INTO tenant_origins (origin, tenant) VALUES (?, ?)').run(origin, request.params.tenant)
      if (old !== undefined) changed(old)
      changed(origin)
      return { tenant: request.params.tenant, origin }
    })
    admin.delete('/tenants/:tenant', { cors: false }, async (request) => {
      const old = db.prepare('SELECT origin FROM tenant_origins WHERE tenant = ?').pluck().get(request.params.tenant)
      db.prepare('DELETE FROM tenant_origins WHERE tenant = ?').run(request.params.tenant)
      if (old !== undefined) changed(old)
      return { deleted: old !== undefined }
    })
  }, { prefix: '/admin' })
  app.addHook('onClose', async () => { channel?.close() })
  return { app, db, stats, tenants }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const db = openDatabase(process.env.DB ?? 'tenants.db')
  db.prepare('INSERT OR IGNORE INTO tenant_origins (origin, tenant) VALUES (?, ?)').run('https://shop.acme.com', 'acme')
  const { app } = await build({ db, channel: new BroadcastChannel('tenant-origins') })
  await app.listen({ port: Number(process.env.PORT ?? 3000) })
  console.log(`multi-tenant API on ${app.listeningOrigin}`)
}
