// examples/multi-tenant.mjs against a real SQLite database (better-sqlite3): the allow-list is a
// table, originLookup() caches it, and a change on one instance reaches the others through a
// pub/sub (BroadcastChannel here) or, without it, after the TTL. better-sqlite3 is a native module,
// built for the Node that installed it: on another Node these tests skip, saying why.
import { test } from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { build, openDatabase } from '../../examples/multi-tenant.mjs'
import { corsHeaders, preflight } from '../helpers.js'

const ACME = 'https://shop.acme.com'
const GLOBEX = 'https://store.globex.com'
const admin = { authorization: 'Bearer test-token' }
/** Why better-sqlite3 cannot run here, or false. */
const unavailable = ((): string | false => {
  try {
    openDatabase().close()
    return false
  } catch (err) {
    return `better-sqlite3 cannot load on Node ${process.version}: ${String((err as Error).message).split('\n')[0]}`
  }
})()

const sleep = async (ms: number) => await new Promise((resolve) => setTimeout(resolve, ms))

/** Waits until `check()` is true (a published message has arrived), for at most 10 s. */
async function eventually (check: () => Promise<boolean>): Promise<boolean> {
  for (const started = Date.now(); Date.now() - started < 10_000; await sleep(10)) if (await check()) return true
  return false
}

function tempDatabase (t: Tap.Test) {
  const dir = mkdtempSync(join(tmpdir(), 'tenants-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'tenants.db')
  const db = openDatabase(file)
  db.prepare('INSERT INTO tenant_origins (origin, tenant) VALUES (?, ?), (?, ?)').run(ACME, 'acme', GLOBEX, 'globex')
  return file
}

test('tenant domains come from SQLite; a burst costs one query per origin, refusals included', { skip: unavailable }, async (t) => {
  const db = openDatabase()
  db.prepare('INSERT INTO tenant_origins (origin, tenant) VALUES (?, ?)').run(ACME, 'acme')
  const { app, stats } = await build({ db, adminToken: 'test-token' })
  t.teardown(() => app.close())
  const burst = await Promise.all(Array.from({ length: 10 }, async () =>
    (await app.inject({ url: '/api/catalog', headers: { origin: ACME } })).headers['access-control-allow-origin']))
  t.same(new Set(burst), new Set([ACME]))
  t.equal(stats.queries, 1)
  for (let i = 0; i < 3; i++) t.same(corsHeaders((await app.inject({ url: '/api/catalog', headers: { origin: 'https://evil.example' } })).headers), [])
  t.equal(stats.queries, 2, 'a refused origin is cached too')
  const pre = await preflight(app, '/api/cart', ACME, 'PUT', { 'access-control-request-headers': 'content-type' })
  t.equal(pre.statusCode, 204)
  t.equal(pre.headers['access-control-allow-credentials'], 'true')
  t.equal((await app.inject({ method: 'PUT', url: '/admin/tenants/acme/origin', payload: { origin: 'https://x.com' } })).statusCode, 401, 'admin needs the token')
})

test('a fleet sharing one database: a change on one instance is published, and the others forget at once', { skip: unavailable }, async (t) => {
  const file = tempDatabase(t)
  const instances = await Promise.all([0, 1, 2].map(async () =>
    await build({ db: openDatabase(file), channel: new BroadcastChannel(`tenants-${process.pid}`), adminToken: 'test-token' })))
  // A fourth instance is not subscribed: it learns of changes when its cached answer expires.
  const lagging = await build({ db: openDatabase(file), ttl: 50, adminToken: 'test-token' })
  const all = [...instances, lagging]
  t.teardown(async () => { for (const { app } of all) await app.close() })
  const acao = async (i: number, origin: string) =>
    (await all[i].app.inject({ url: '/api/catalog', headers: { origin } })).headers['access-control-allow-origin']
  for (let i = 0; i < 4; i++) t.equal(await acao(i, ACME), ACME, `instance ${i} allows acme (cached now)`)

  // acme moves to a new domain, through instance 0's back office.
  const moved = await all[0].app.inject({ method: 'PUT', url: '/admin/tenants/acme/origin', headers: admin, payload: { origin: 'https://acme.shop' } })
  t.equal(moved.statusCode, 200)
  t.same(corsHeaders(moved.headers), [], 'the back office has no CORS')
  for (let i = 0; i < 3; i++) {
    // BroadcastChannel delivers on a later turn of the event loop.
    t.ok(await eventually(async () => await acao(i, ACME) === undefined), `instance ${i} refuses the old domain`)
    t.equal(await acao(i, 'https://acme.shop'), 'https://acme.shop', `instance ${i} allows the new one`)
  }
  await sleep(100)
  t.equal(await acao(3, ACME), undefined, 'the unsubscribed instance caught up after its TTL')

  const deleted = await all[1].app.inject({ method: 'DELETE', url: '/admin/tenants/globex', headers: admin })
  t.same(deleted.json(), { deleted: true })
  for (let i = 0; i < 3; i++) t.ok(await eventually(async () => await acao(i, GLOBEX) === undefined), `instance ${i} refuses a deleted tenant`)
})
