// Multi-tenant: each customer's own domain may call the API. Tenants and their domains live in
// Postgres; originLookup() caches the answers (a burst from one origin costs one query, "no"
// included). The back office changes a domain and NOTIFYs the old and new origin in the same
// transaction; every instance LISTENs and forgets them, and clears its cache each time it
// (re)subscribes, so a notification lost while it was away cannot leave a stale answer.
import Fastify from 'fastify'
import pg from 'pg'
import cors, { originLookup } from 'fastify-cors-policy'

export const CHANNEL = 'tenant_origins'

/** Creates the table if needed. */
export async function migrate (pool) {
  await pool.query('CREATE TABLE IF NOT EXISTS tenants (id text PRIMARY KEY, origin text UNIQUE NOT NULL)')
}

/**
 * Keeps one connection LISTENing on CHANNEL, reconnecting after `retry` ms whenever it is lost.
 * Each notification forgets its origin; each (re)subscription clears the cache, after LISTEN
 * succeeds: whatever changed while the connection was down is asked again.
 */
export function listenForChanges (connect, tenants, { retry = 500, log = () => {} } = {}) {
  const state = { connected: false, subscriptions: 0, notifications: 0, closed: false, client: null }
  const again = () => { if (!state.closed) setTimeout(subscribe, retry).unref() }
  async function subscribe () {
    const client = connect()
    state.client = client
    let lost = false
    const onLost = (err) => {
      if (lost) return
      lost = true
      state.connected = false
      if (err !== undefined && !state.closed) log(err)
      client.end().catch(() => {})
      again()
    }
    client.on('error', onLost)
    client.on('end', () => onLost())
    client.on('notification', (message) => {
      state.notifications++
      tenants.forget(message.payload)
    })
    try {
      await client.connect()
      await client.query(`LISTEN ${CHANNEL}`)
      tenants.clear()
      state.connected = true
      state.subscriptions++
    } catch (err) {
      onLost(err)
    }
  }
  subscribe()
  return {
    state,
    async close () {
      state.closed = true
      await state.client?.end().catch(() => {})
    }
  }
}

/**
 * One instance of the API. `database` is a pg connection config (host, port, user, password,
 * database); `lookupOptions` go to originLookup().
 */
export async function build ({ database, lookupOptions = {}, adminToken = process.env.ADMIN_TOKEN ?? 'dev-token', logger = false } = {}) {
  const stats = { queries: 0 }
  // A query that cannot get a connection or an answer in time fails, and originLookup() serves the last answer.
  const pool = new pg.Pool({ ...database, max: 5, connectionTimeoutMillis: 1000, query_timeout: 1500 })
  // An idle connection the server closed (a restart) is replaced on the next query; without a
  // listener, this 'error' would end the process.
  pool.on('error', () => {})
  const tenants = originLookup(async (origin) => {
    stats.queries++
    const { rowCount } = await pool.query('SELECT 1 FROM tenants WHERE origin = $1', [origin])
    return rowCount > 0
  }, { ttl: 60_000, negativeTtl: 10_000, max: 50_000, ...lookupOptions })

  const app = Fastify({ logger })
  const changes = listenForChanges(() => new pg.Client(database), tenants, { log: (err) => app.log.warn({ err }, 'tenant listener lost; reconnecting') })
  await app.register(cors, { origin: tenants, credentials: true, maxAge: 600 })
  app.get('/api/catalog', async () => [{ sku: 'A-1' }])
  app.put('/api/cart', async (request) => ({ cart: request.body }))

  /** Runs `change` in a transaction and NOTIFYs every origin it returns: delivered at COMMIT, to every instance. */
  async function changeTenants (change) {
    const client = await pool.connect()
    try {
      await client.query('BEGIN')
      const origins = (await change(client)).filter((o) => o !== undefined)
      for (const origin of origins) await client.query('SELECT pg_notify($1, $2)', [CHANNEL, origin])
      await client.query('COMMIT')
      // Monotonic milliseconds (CLOCK_MONOTONIC): comparable between processes on one machine.
      return { committedAt: Number(process.hrtime.bigint()) / 1e6 }
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {})
      throw err
    } finally {
      client.release()
    }
  }

  // Back office, server to server: no CORS, a token.
  app.register(async (admin) => {
    admin.addHook('onRequest', async (request, reply) => {
      if (request.headers.authorization !== `Bearer ${adminToken}`) return reply.code(401).send({ error: 'token required' })
    })
    admin.put('/tenants/:tenant/origin', { cors: false }, async (request) => {
      const { tenant } = request.params
      const origin = request.body.origin
      const done = await changeTenants(async (db) => {
        const old = await db.query('SELECT origin FROM tenants WHERE id = $1 FOR UPDATE', [tenant])
        await db.query('INSERT INTO tenants (id, origin) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET origin = $2', [tenant, origin])
        return [old.rows[0]?.origin, origin]
      })
      return { tenant, origin, ...done }
    })
    admin.delete('/tenants/:tenant', { cors: false }, async (request) => {
      let deleted = false
      const done = await changeTenants(async (db) => {
        const old = await db.query('DELETE FROM tenants WHERE id = $1 RETURNING origin', [request.params.tenant])
        deleted = old.rowCount > 0
        return [old.rows[0]?.origin]
      })
      return { deleted, ...done }
    })
  }, { prefix: '/admin' })

  app.addHook('onClose', async () => {
    await changes.close()
    await pool.end()
  })
  return { app, pool, stats, tenants, changes }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // DATABASE_URL=postgres://user:password@host:5432/db node examples/multi-tenant.mjs
  const database = { connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' }
  const { app, pool } = await build({ database, logger: true })
  await migrate(pool)
  await app.listen({ port: Number(process.env.PORT ?? 3000) })
}
