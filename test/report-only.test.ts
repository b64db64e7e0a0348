// Changing a policy safely: a report-only candidate beside the enforced policy (never changing a
// response), refusal events on node:diagnostics_channel, and a bounded report per route and reason.
import { test } from 'tap'
import diagnostics from 'node:diagnostics_channel'
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import { CorsReport } from '../lib/shared/report.js'
import cors, { type CorsOptions, type RefusedMessage, type ReportOnlyMessage } from '../lib/index.js'
import { heapGrowth, logCapture, refusal } from './helpers.js'

const A = 'https://app.example.com'
const B = 'https://old.example.com'
const C = 'https://evil.example'

async function app (options: CorsOptions, logger: false | { level: string, stream: { write: (s: string) => void } } = false): Promise<FastifyInstance> {
  const app = Fastify({ logger })
  await app.register(cors, options)
  app.get('/items', async () => ['lamp'])
  app.put('/items/:id', async () => ({ updated: true }))
  app.post('/items', async () => ({ created: true }))
  await app.ready()
  return app
}

// [enforced policy, its report-only candidate]: each a change a user would rehearse.
const changes: Array<[string, CorsOptions, CorsOptions['reportOnly']]> = [
  ['remove an origin', { origin: [A, B] }, { origin: [A] }],
  ['narrow * to a list', { origin: '*' }, { origin: [A] }],
  ['narrow allowedHeaders', { origin: [A, B], allowedHeaders: ['content-type', 'x-token'] }, { allowedHeaders: ['content-type'] }],
  ['turn on crossOriginWrites', { origin: [A, B], credentials: true, crossOriginWrites: 'allow' }, { crossOriginWrites: 'refuse', origin: [A] }],
  ['widen: add an origin', { origin: [A] }, { origin: [A, B] }],
  ['turn CORS off', { origin: [A] }, { origin: false }],
  ['an origin function', { origin: [A, B] }, { origin: async (o: string) => o === A }]
]

const requests = [
  { method: 'GET', url: '/items', headers: { origin: A } },
  { method: 'GET', url: '/items', headers: { origin: B } },
  { method: 'GET', url: '/items', headers: { origin: C } },
  { method: 'GET', url: '/items', headers: {} },
  { method: 'GET', url: '/items', headers: { origin: 'not an origin' } },
  { method: 'OPTIONS', url: '/items/7', headers: { origin: A, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type' } },
  { method: 'OPTIONS', url: '/items/7', headers: { origin: B, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type, x-token' } },
  { method: 'OPTIONS', url: '/items/7', headers: { origin: C, 'access-control-request-method': 'PUT' } },
  { method: 'POST', url: '/items', headers: { origin: B, 'sec-fetch-site': 'cross-site', 'content-type': 'text/plain' }, payload: 'x' },
  { method: 'POST', url: '/items', headers: { origin: C, 'sec-fetch-site': 'cross-site', 'content-type': 'text/plain' }, payload: 'x' },
  { method: 'PUT', url: '/items/7', headers: { origin: A, 'content-type': 'text/plain' }, payload: 'x' }
] as const

/** Status, headers (without Date) and body, as one comparable value. */
function bytes (res: { statusCode: number, headers: Record<string, unknown>, body: string }): string {
  const { date, ...headers } = res.headers
  return JSON.stringify([res.statusCode, headers, res.body])
}

test('a report-only candidate never changes a response: status, headers and Vary byte for byte', async (t) => {
  for (const [name, enforced, candidate] of changes) {
    const plain = await app(enforced)
    const rehearsed = await app({ ...enforced, reportOnly: candidate })
    for (const request of requests) {
      const label = `${name}: ${request.method} ${request.url} from ${'origin' in request.headers ? request.headers.origin : 'no origin'}`
      t.equal(bytes(await rehearsed.inject(request as never)), bytes(await plain.inject(request as never)), label)
    }
  }
})

test('the report counts, per route and reason, what the candidate would refuse or allow, with the origins', async (t) => {
  const api = await app({ origin: [A, B], allowedHeaders: ['content-type', 'x-token'], reportOnly: { origin: [A], allowedHeaders: ['content-type'] } })
  for (const request of requests) await api.inject(request as never)
  await api.inject(requests[1] as never)
  const rows = api.cors.report()
  const row = (method: string, url: string, reason: string) => rows.find((r) => r.route.method === method && r.route.url === url && r.reason === reason)
  t.same(row('GET', '/items', 'origin'), { route: { method: 'GET', url: '/items' }, reason: 'origin', refused: 1, reportOnly: { wouldRefuse: 2, wouldAllow: 0 }, origins: [{ origin: B, count: 2 }, { origin: C, count: 1 }], otherOrigins: 0 },
    'B: allowed now, refused by the candidate (twice); C: refused by both, counted as a refusal')
  t.same(row('PUT', '/items/:id', 'origin')?.reportOnly, { wouldRefuse: 1, wouldAllow: 0 }, "B's preflight: the candidate refuses its origin first")
  t.equal(row('GET', '/items', 'invalid')?.refused, 1, 'a malformed Origin is counted as invalid')
  t.equal(rows[0].route.url, '/items', 'the busiest rows first')
  api.cors.clearReport()
  t.same(api.cors.report(), [], 'clearReport() forgets')
})

test('refusal and report-only events on diagnostics_channel, with the route pattern and a small set of reasons', async (t) => {
  const refused: RefusedMessage[] = []
  const differs: ReportOnlyMessage[] = []
  const onRefused = (m: unknown) => refused.push(m as RefusedMessage)
  const onDiffers = (m: unknown) => differs.push(m as ReportOnlyMessage)
  diagnostics.subscribe('fastify-cors-policy:refused', onRefused)
  diagnostics.subscribe('fastify-cors-policy:report-only', onDiffers)
  t.teardown(() => { diagnostics.unsubscribe('fastify-cors-policy:refused', onRefused); diagnostics.unsubscribe('fastify-cors-policy:report-only', onDiffers) })
  const api = await app({ origin: [A, B], credentials: true, reportOnly: { origin: [A] } })
  await api.inject({ url: '/items/7?x=1', method: 'OPTIONS', headers: { origin: C, 'access-control-request-method': 'PUT' } })
  await api.inject({ url: '/items', method: 'POST', headers: { origin: C, 'sec-fetch-site': 'cross-site' } })
  await api.inject({ url: '/items?page=2', headers: { origin: B } })
  t.same(refused.map((m) => [m.reason, m.preflight, m.route, m.origin, m.disposition]), [
    ['origin', true, { method: 'PUT', url: '/items/:id' }, C, 'enforce'],
    ['write', false, { method: 'POST', url: '/items' }, C, 'enforce']
  ])
  t.equal(refused[0].request.url, '/items/7?x=1', 'the request itself is in the message; the route is its pattern')
  t.same(differs.map((m) => [m.reason, m.preflight, m.route, m.origin, m.disposition, m.enforced]), [
    ['origin', false, { method: 'GET', url: '/items' }, B, 'report', 'allowed']
  ])
})

test('report-only differences are logged at info, once per route, reason and origin per interval', async (t) => {
  const { lines, stream } = logCapture()
  const api = await app({ origin: [A, B], reportOnly: { origin: [A] } }, { level: 'info', stream })
  for (let i = 0; i < 5; i++) await api.inject({ url: '/items', headers: { origin: B } })
  await api.inject({ url: '/items', headers: { origin: 'https://other.example' } })
  const logged = lines.filter((l) => String(l.msg).includes('report-only'))
  t.equal(logged.length, 1, 'B five times: one line; a refused origin is no difference')
  t.equal(logged[0].msg, "fastify-cors-policy: report-only: the candidate policy of registration at / would refuse this GET /items from 'https://old.example.com' (origin)")
  t.same([logged[0].reason, logged[0].enforced, logged[0].candidate], ['origin', 'allowed', 'refused'])
})

test('a flood of made-up origins keeps the report bounded (100,000 distinct origins, heap after GC)', async (t) => {
  // Through the request path: the report keeps 32 origins and counts the rest.
  const api = await app({ origin: [A], reportOnly: { origin: [A, B] } })
  for (let i = 0; i < 2000; i++) await api.inject({ url: '/items', headers: { origin: `https://x${i}.evil.example` } })
  for (let i = 0; i < 50; i++) await api.inject({ url: '/items', headers: { origin: C } })
  const row = api.cors.report().find((r) => r.route.url === '/items' && r.reason === 'origin')
  t.equal(row?.origins.length, 32, 'at most 32 origins kept')
  t.equal(row?.refused, 2050, 'every refusal counted')
  t.same(row?.origins[0], { origin: C, count: 50 }, 'the frequent origin surfaces with its own count, through the flood')
  t.equal((row?.origins.reduce((n, o) => n + o.count, 0) ?? 0) + (row?.otherOrigins ?? 0), 2050, "the rest counted as 'other'")
  // The report itself, over 100,000 made-up origins: heap after GC. (inject() in a loop retains
  // memory of its own, with or without the plugin, so the report is measured alone.)
  const report = new CorsReport()
  const request = { log: { info () {} } } as unknown as FastifyRequest
  const route = { method: 'GET', url: '/items' }
  let i = 0
  const growth = await heapGrowth(async () => { report.refused(request, `https://x${i++}.evil.example`, 'origin', false, route); report.differs(request, `https://y${i}.evil.example`, 'origin', false, route, 'allowed', 'x') }, 100_000)
  t.comment(`heap growth of the report over 100,000 made-up origins: ${(growth / 1024).toFixed(1)} KB`)
  // 100,000 entries kept would be megabytes; coverage instrumentation alone adds about 1 MB here.
  t.ok(growth < 2 * 1024 * 1024, `heap after GC grew ${(growth / 1024).toFixed(1)} KB (bound 2 MB)`)
  t.equal(report.snapshot()[0].origins.length, 32)
})

test('reportOnly is checked at registration with the same rules, its problems named as the candidate\'s', async (t) => {
  const typo = await refusal({ origin: [A], reportOnly: { orgin: [A] } })
  t.match(typo.message, /reportOnly: unknown field 'orgin'; did you mean 'origin'\?/)
  const nested = await refusal({ origin: [A], reportOnly: { reportOnly: {} } })
  t.match(nested.message, /reportOnly: field 'reportOnly' cannot hold a candidate of its own/)
  const unsafe = await refusal({ origin: [A], credentials: true, reportOnly: { origin: '*' } })
  t.equal(unsafe.code, 'FST_CORS_UNSAFE_POLICY')
  t.match(unsafe.message, /registration at \/ \(reportOnly\): origin '\*' with credentials: true is refused/)
  const backtracking = await refusal({ origin: [A], reportOnly: { origin: /^https:\/\/([a-z0-9-]+)+\.example\.com$/ } })
  t.match(backtracking.message, /can backtrack exponentially/, "the candidate's RegExps are analysed too")
  const notObject = await refusal({ origin: [A], reportOnly: [A] })
  t.match(notObject.message, /field 'reportOnly' must be an object of policy fields/)
})

test("a route's reportOnly merges field by field over the registration's", async (t) => {
  const api = Fastify()
  await api.register(cors, { origin: [A, B], allowedHeaders: ['content-type', 'x-token'], reportOnly: { origin: [A] } })
  api.put('/items/:id', { cors: { reportOnly: { allowedHeaders: ['content-type'] } } }, async () => 'ok')
  await api.ready()
  await api.inject({ method: 'OPTIONS', url: '/items/7', headers: { origin: A, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'x-token' } })
  await api.inject({ method: 'OPTIONS', url: '/items/7', headers: { origin: B, 'access-control-request-method': 'PUT' } })
  const rows = api.cors.report().map((r) => [r.reason, r.reportOnly.wouldRefuse, r.origins[0].origin])
  t.same(rows.sort(), [['headers', 1, A], ['origin', 1, B]], "the route's candidate: the registration's origins and its own headers")
})

test("explain()'s own preflights are not counted in the report", async (t) => {
  const api = await app({ origin: [A], reportOnly: { origin: false } })
  await api.cors.explain({ method: 'PUT', url: '/items/7', origin: C, headers: { 'content-type': 'application/json' } })
  await api.cors.explain({ method: 'PUT', url: '/items/7', origin: A, headers: { 'content-type': 'application/json' } })
  t.same(api.cors.report(), [])
})

test('candidates with function origins (sync and async) and candidates that turn CORS off are compared too', async (t) => {
  const sync = await app({ origin: [A, B], credentials: true, crossOriginWrites: 'allow', reportOnly: { origin: (o: string) => o === A, crossOriginWrites: 'refuse' } })
  await sync.inject({ url: '/items', headers: { origin: B } })
  await sync.inject({ method: 'OPTIONS', url: '/items/7', headers: { origin: B, 'access-control-request-method': 'PUT' } })
  const asyncFn = await app({ origin: [A, B], credentials: true, crossOriginWrites: 'allow', reportOnly: { origin: async (o: string) => o === A, crossOriginWrites: 'refuse' } })
  await asyncFn.inject({ method: 'POST', url: '/items', headers: { origin: B, 'sec-fetch-site': 'cross-site', 'content-type': 'text/plain' }, payload: 'x' })
  const off = await app({ origin: [A, B], credentials: true, crossOriginWrites: 'allow', reportOnly: { origin: false } })
  const res = await off.inject({ method: 'POST', url: '/items', headers: { origin: A, 'sec-fetch-site': 'cross-site', 'content-type': 'text/plain' }, payload: 'x' })
  t.equal(res.statusCode, 200, 'nothing refused for real')
  await new Promise((resolve) => setImmediate(resolve))
  const sum = (api: FastifyInstance) => api.cors.report().map((r) => `${r.route.method} ${r.route.url} ${r.reason} ${r.reportOnly.wouldRefuse}`).sort()
  t.same(sum(sync), ['GET /items origin 1', 'PUT /items/:id origin 1'])
  t.same(sum(asyncFn), ['POST /items origin 1', 'POST /items write 1'], 'the write, and reading its answer')
  t.same(sum(off), ['POST /items origin 1'], 'CORS off: reading refused; writes unguarded, as with cors: false')
})

test('report-only log lines carry the count of the lines they stand for', async (t) => {
  const { lines, stream } = logCapture()
  const api = await app({ origin: [A, B, C], reportOnly: { origin: [A] } }, { level: 'info', stream })
  await api.inject({ url: '/items', headers: { origin: B } })
  await api.inject({ url: '/items', headers: { origin: B } })
  await api.inject({ url: '/items', headers: { origin: C } })
  const logged = lines.filter((l) => String(l.msg).includes('report-only'))
  t.equal(logged.length, 2)
  t.match(logged[1].msg, /from 'https:\/\/evil\.example' \(origin\) \(1 more differences since the last line\)$/)
  t.equal(logged[1].suppressed, 1)
})

test("a write from another site without Origin is reported under '(none)'", async (t) => {
  const api = await app({ origin: [A], credentials: true, crossOriginWrites: 'allow', reportOnly: { crossOriginWrites: 'refuse' } })
  await api.inject({ method: 'POST', url: '/items', headers: { 'sec-fetch-site': 'cross-site', 'content-type': 'text/plain' }, payload: 'x' })
  t.same(api.cors.report().map((r) => [r.reason, r.reportOnly.wouldRefuse, r.origins]), [['write', 1, [{ origin: '(none)', count: 1 }]]])
})

test('refusals are counted with `report: true` or a candidate, and only published otherwise (a refused request then costs nothing more)', async (t) => {
  const quiet = await app({ origin: [A] })
  await quiet.inject({ url: '/items', headers: { origin: C } })
  t.same(quiet.cors.report(), [], 'no candidate, no report option: nothing counted')
  const counted = await app({ origin: [A], report: true })
  await counted.inject({ url: '/items', headers: { origin: C } })
  t.same(counted.cors.report().map((r) => [r.reason, r.refused]), [['origin', 1]])
  const off = await app({ origin: [A, B], report: false, reportOnly: { origin: [A] } })
  await off.inject({ url: '/items', headers: { origin: C } })
  await off.inject({ url: '/items', headers: { origin: B } })
  t.same(off.cors.report().map((r) => [r.reason, r.refused, r.reportOnly.wouldRefuse]), [['origin', 0, 1]], 'report: false: differences only')
  const seen: unknown[] = []
  const onRefused = (m: unknown) => seen.push(m)
  diagnostics.subscribe('fastify-cors-policy:refused', onRefused)
  await quiet.inject({ url: '/items', headers: { origin: C } })
  diagnostics.unsubscribe('fastify-cors-policy:refused', onRefused)
  t.equal(seen.length, 1, 'a subscriber gets the event without counting')
  t.same(quiet.cors.report(), [])
})

test('a candidate that would allow a write the enforced policy refuses is reported as such, beside the counted refusal', async (t) => {
  const api = await app({ origin: [A], credentials: true, reportOnly: { crossOriginWrites: 'allow' } })
  const res = await api.inject({ method: 'POST', url: '/items', headers: { origin: C, 'sec-fetch-site': 'cross-site', 'content-type': 'text/plain' }, payload: 'x' })
  t.equal(res.statusCode, 403, 'still refused for real')
  await api.inject({ method: 'POST', url: '/items', headers: { 'sec-fetch-site': 'cross-site', 'content-type': 'text/plain' }, payload: 'x' })
  t.same(api.cors.report().map((r) => [r.reason, r.refused, r.reportOnly.wouldAllow, r.origins.map((o) => o.origin)]), [['write', 2, 2, [C, '(none)']]])
})
