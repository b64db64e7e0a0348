// @fastify/cors's documented behaviours (from its README), run against this plugin, and the fate
// of each of its options. Keeps the README's migration table true.
import { test } from 'tap'
import Fastify from 'fastify'
import cors from '../../lib/index.js'
import { REFUSED } from '../../lib/config/compat.js'
import { build, corsHeaders, logCapture, ok, preflight, refusal } from '../helpers.js'

const E = 'http://example.com'

test("default: any origin may read, with Access-Control-Allow-Origin '*'", async (t) => {
  const app = await build({}, (app) => app.get('/', ok))
  t.equal((await app.inject({ url: '/', headers: { origin: E } })).headers['access-control-allow-origin'], '*')
})

test('origin as a string: only that origin, and Vary: Origin', async (t) => {
  const app = await build({ origin: E }, (app) => app.get('/', ok))
  const res = await app.inject({ url: '/', headers: { origin: E } })
  t.equal(res.headers['access-control-allow-origin'], E)
  t.equal(res.headers.vary, 'Origin')
  t.same(corsHeaders((await app.inject({ url: '/', headers: { origin: 'http://other.com' } })).headers), [])
})

test('origin as an array of strings and RegExps reflects the matching origin', async (t) => {
  const app = await build({ origin: ['http://example1.com', /^https?:\/\/[a-z0-9-]+\.example2\.com$/] }, (app) => app.get('/', ok))
  for (const origin of ['http://example1.com', 'https://sub.example2.com']) {
    t.equal((await app.inject({ url: '/', headers: { origin } })).headers['access-control-allow-origin'], origin)
  }
})

test("the README's unanchored RegExp examples are refused here, with the fix", async (t) => {
  for (const origin of [/example\.com$/, ['http://example1.com', /\.example2\.com$/]]) {
    const err = await refusal({ origin })
    t.equal(err.code, 'FST_CORS_UNSAFE_POLICY')
    t.match(err.message, /not anchored at both ends/)
  }
})

test('origin: true reflects any origin (with Vary: Origin); with credentials it is refused, with the fix', async (t) => {
  const app = await build({ origin: true }, (app) => app.put('/', ok))
  const res = await app.inject({ url: '/', method: 'PUT', headers: { origin: E } })
  t.equal(res.headers['access-control-allow-origin'], E)
  t.equal(res.headers.vary, 'Origin')
  t.equal((await preflight(app, '/', E, 'PUT')).headers['access-control-allow-origin'], E)
  const err = await refusal({ origin: true, credentials: true })
  t.equal(err.code, 'FST_CORS_UNSAFE_POLICY')
  t.match(err.message, /origin: true \(reflect every origin\) with credentials: true is refused: .*list the origins you trust/)
})

test('origin: false turns CORS off, as cors: false does; a route may turn it back on', async (t) => {
  const app = await build({ origin: false, maxAge: 5 }, (app) => {
    app.put('/', ok)
    app.put('/on', { cors: { origin: [E] } }, ok)
  })
  t.same(corsHeaders((await app.inject({ url: '/', method: 'PUT', headers: { origin: E } })).headers), [])
  t.same(corsHeaders((await preflight(app, '/', E, 'PUT')).headers), [])
  const on = await preflight(app, '/on', E, 'PUT')
  t.equal(on.headers['access-control-allow-origin'], E)
  t.equal(on.headers['access-control-max-age'], '5', 'other fields still inherited')
})

test('callback-style origin functions (origin, cb) work as in @fastify/cors, with this = the Fastify instance', async (t) => {
  let self: unknown
  const answers: Record<string, unknown> = { 'https://yes.com': true, 'https://no.com': false, 'https://re.com': /^https:\/\/re\.com$/, 'https://list.com': ['https://x.com', 'https://list.com'] }
  const app = await build({
    origin: function (origin: string, cb: (err: Error | null, allow?: unknown) => void) {
      self = this
      if (origin === 'https://err.com') cb(new Error('lookup failed'))
      else setImmediate(() => cb(null, answers[origin]))
    } as never
  }, (app) => app.get('/', ok), { logger: { level: 'fatal' } })
  const acao = async (origin: string) => (await app.inject({ url: '/', headers: { origin } })).headers['access-control-allow-origin']
  t.equal(await acao('https://yes.com'), 'https://yes.com')
  t.equal(self, app)
  t.equal(await acao('https://no.com'), undefined)
  t.equal(await acao('https://re.com'), 'https://re.com')
  t.equal(await acao('https://list.com'), 'https://list.com')
  t.equal(await acao('https://err.com'), undefined, 'an error denies CORS')
  for (const origin of [async (o: string, done: (e: null, ok: boolean) => void) => done(null, o === E), (o: string, callback: (e: null, ok: boolean) => void) => callback(null, o === E)]) {
    const other = await build({ origin: origin as never }, (app) => app.get('/', ok))
    t.equal((await other.inject({ url: '/', headers: { origin: E } })).headers['access-control-allow-origin'], E)
  }
})

test("an origin function's answer may be any @fastify/cors origin value; '*' admits only without credentials", async (t) => {
  const app = await build({ origin: async (o: string) => (o === 'https://star.com' ? '*' : o === E ? E : 'https://someone-else.com') as never }, (app) => {
    app.get('/', ok)
    app.get('/cred', { cors: { credentials: true } }, ok)
  })
  const acao = async (url: string, origin: string) => (await app.inject({ url, headers: { origin } })).headers['access-control-allow-origin']
  t.equal(await acao('/', E), E)
  t.equal(await acao('/', 'https://star.com'), 'https://star.com')
  t.equal(await acao('/', 'https://other.com'), undefined)
  t.equal(await acao('/cred', 'https://star.com'), undefined)
})

test('an origin function that returns nothing is denied and logged', async (t) => {
  const log = logCapture()
  const app = await build({ origin: ((origin: string) => { if (origin === '') return true }) as never },
    (app) => app.get('/', ok), { logger: { level: 'error', stream: log.stream } })
  t.same(corsHeaders((await app.inject({ url: '/', headers: { origin: E } })).headers), [])
  t.match(log.lines[0], { err: { message: /origin function answered undefined; answer true or false \(a callback-style function/ } })
})

test('methods, allowedHeaders and exposedHeaders as comma-delimited strings or arrays', async (t) => {
  const app = await build({ methods: 'GET,PUT, POST' as never, allowedHeaders: 'Content-Type,Authorization' as never, exposedHeaders: 'X-A, X-B' as never }, (app) => {
    app.put('/', ok)
    app.get('/', ok)
    app.get('/arr', { config: { cors: { methods: ['GET'], exposedHeaders: ['X-C'] } } }, ok)
  })
  const pre = await preflight(app, '/', E, 'PUT', { 'access-control-request-headers': 'content-type' })
  t.equal(pre.headers['access-control-allow-methods'], 'GET, PUT, POST')
  t.equal(pre.headers['access-control-allow-headers'], 'Content-Type, Authorization')
  t.equal((await app.inject({ url: '/', headers: { origin: E } })).headers['access-control-expose-headers'], 'X-A, X-B')
  t.equal((await app.inject({ url: '/arr', headers: { origin: E } })).headers['access-control-expose-headers'], 'X-C')
})

test('allowedHeaders not specified reflects Access-Control-Request-Headers', async (t) => {
  const app = await build({}, (app) => app.put('/', ok))
  t.equal((await preflight(app, '/', E, 'PUT', { 'access-control-request-headers': 'x-one,x-two' })).headers['access-control-allow-headers'], 'x-one, x-two')
})

test('credentials: true sends Access-Control-Allow-Credentials, otherwise omitted; maxAge likewise', async (t) => {
  const app = await build({ origin: E, credentials: true, maxAge: 600 }, (app) => {
    app.put('/', ok)
    app.put('/plain', { cors: { credentials: false, maxAge: undefined } }, ok)
  })
  const pre = await preflight(app, '/', E, 'PUT')
  t.equal(pre.headers['access-control-allow-credentials'], 'true')
  t.equal(pre.headers['access-control-max-age'], '600')
  const plain = await preflight(app, '/plain', E, 'PUT')
  t.notOk(plain.headers['access-control-allow-credentials'])
  t.equal(plain.headers['access-control-max-age'], '600', 'undefined inherits')
})

test('preflight: false: no preflight routes, OPTIONS go to the app, responses keep their headers', async (t) => {
  const app = await build({ preflight: false }, (app) => app.put('/', ok))
  const pre = await preflight(app, '/', E, 'PUT')
  t.equal(pre.statusCode, 404)
  t.equal(pre.headers['access-control-allow-methods'], undefined)
  t.equal((await app.inject({ url: '/', method: 'PUT', headers: { origin: E } })).headers['access-control-allow-origin'], '*')
})

test('hideOptionsRoute: false shows the preflight routes to schema generators; logLevel applies to them', async (t) => {
  for (const hideOptionsRoute of [undefined, false]) {
    const app = Fastify()
    const seen: unknown[] = []
    app.addHook('onRoute', (route) => { if (route.method === 'OPTIONS') seen.push([route.url, route.schema?.hide, route.logLevel]) })
    await app.register(cors, { ...(hideOptionsRoute === false ? { hideOptionsRoute } : {}), logLevel: 'silent' })
    await app.ready()
    t.same(seen, [['/*', hideOptionsRoute !== false, 'silent']])
  }
  const lines: Array<Record<string, unknown>> = []
  const app = await build({ logLevel: 'silent' }, (app) => app.put('/', ok), { logger: { level: 'info', stream: { write: (s: string) => { lines.push(JSON.parse(s)) } } } })
  await preflight(app, '/', E, 'PUT')
  await app.inject({ url: '/', method: 'PUT' })
  t.notOk(lines.some((l) => (l.req as { method?: string } | undefined)?.method === 'OPTIONS'), 'no preflight in the request log')
  t.ok(lines.some((l) => (l.req as { method?: string } | undefined)?.method === 'PUT'))
})

test('optionsSuccessStatus and cacheControl shape the preflight answer, globally or per route', async (t) => {
  const app = await build({ optionsSuccessStatus: 200, cacheControl: 300 }, (app) => {
    app.put('/', ok)
    app.put('/r', { cors: { optionsSuccessStatus: 204, cacheControl: 'no-store' } }, ok)
  })
  const pre = await preflight(app, '/', E, 'PUT')
  t.equal(pre.statusCode, 200)
  t.equal(pre.headers['cache-control'], 'max-age=300')
  const route = await preflight(app, '/r', E, 'PUT')
  t.equal(route.statusCode, 204)
  t.equal(route.headers['cache-control'], 'no-store')
  t.equal((await app.inject({ url: '/', method: 'PUT', headers: { origin: E } })).headers['cache-control'], undefined, 'preflights only')
  t.match((await refusal({ optionsSuccessStatus: 404 })).message, /field 'optionsSuccessStatus' must be a whole number from 200 to 299/)
})

test('preflightContinue: the preflight headers are set, then hooks and the handler run (an empty 200)', async (t) => {
  const app = Fastify()
  await app.register(cors, { preflightContinue: true, origin: [E] })
  let hooked = 0
  app.addHook('onRequest', async () => { hooked++ })
  app.put('/', ok)
  await app.ready()
  const pre = await preflight(app, '/', E, 'PUT')
  t.equal(pre.statusCode, 200)
  t.equal(pre.body, '')
  t.equal(pre.headers['access-control-allow-origin'], E)
  t.equal(pre.headers['access-control-allow-methods'], 'PUT')
  t.equal(hooked, 1, "the app's hooks saw the preflight")
  const denied = await preflight(app, '/', 'https://evil.com', 'PUT')
  t.equal(denied.statusCode, 204, 'a refused preflight is still answered by the plugin')
  t.equal(hooked, 1)
})

test('strictPreflight: true answers 400 to an OPTIONS request without preflight headers on a path with routes', async (t) => {
  const app = await build({ strictPreflight: true }, (app) => app.put('/', ok))
  for (const headers of [{}, { origin: E }, { 'access-control-request-method': 'PUT' }]) {
    const res = await app.inject({ method: 'OPTIONS', url: '/', headers })
    t.equal(res.statusCode, 400)
    t.equal(res.body, 'Invalid Preflight Request')
  }
  t.equal((await app.inject({ method: 'OPTIONS', url: '/nothing-here' })).statusCode, 404)
  t.equal((await preflight(app, '/', E, 'PUT')).statusCode, 204)
  const lax = await build({ strictPreflight: false }, (app) => app.put('/', ok))
  t.equal((await lax.inject({ method: 'OPTIONS', url: '/' })).statusCode, 404, 'not a preflight: goes to the routes')
})

test('hook is accepted with no effect (headers are always set in onSend); an invalid one is refused', async (t) => {
  const app = Fastify()
  await app.register(cors, { hook: 'preHandler' })
  app.addHook('onRequest', async (_req, reply) => { await reply.code(401).send('no') })
  app.get('/', ok)
  const res = await app.inject({ url: '/', headers: { origin: E } })
  t.equal(res.statusCode, 401)
  t.equal(res.headers['access-control-allow-origin'], '*', 'the 401 from an earlier hook still gets CORS headers')
  t.match((await refusal({ hook: 'onSend' })).message, /field 'hook' must be one of 'onRequest', 'preParsing'/)
})

test('delegator is refused with the equivalent route policies; registration options in a route are refused', async (t) => {
  for (const key of Object.keys(REFUSED)) {
    const err = await refusal({ [key]: () => ({}) })
    t.equal(err.code, 'FST_CORS_INVALID_OPTION')
    t.equal(err.message, `fastify-cors-policy: registration at /: the @fastify/cors option '${key}' is not supported: ${REFUSED[key]}`)
  }
  t.match((await refusal(() => (req: unknown) => ({ req }))).message, /received a function \(a @fastify\/cors options function: see `delegator`/)
  const route = Fastify()
  await route.register(cors)
  t.throws(() => route.get('/', { config: { cors: { preflight: false, logLevel: 'silent' } } } as never, ok),
    { message: /route GET \/: 2 problems:\n {2}- 'preflight' is an option of the registration, not of a route policy; set it in app\.register\(cors, \{ preflight: … \}\)/ })
})

test('a route config.cors (the @fastify/cors per-route form) also governs the preflight', async (t) => {
  const app = await build({ origin: E }, (app) => app.put('/r', { config: { cors: { origin: 'http://other.com' } } }, ok))
  t.equal((await preflight(app, '/r', 'http://other.com', 'PUT')).headers['access-control-allow-origin'], 'http://other.com')
  t.same(corsHeaders((await preflight(app, '/r', E, 'PUT')).headers), [])
})

test('callback-style origin functions: cb(undefined, true) allows; an async one may resolve its answer instead', async (t) => {
  const fns = [
    (o: string, cb: (e: undefined, ok: boolean) => void) => cb(undefined, o === E),
    async (o: string, next: unknown) => (next === undefined ? false : o === E)
  ]
  for (const origin of fns) {
    const app = await build({ origin: origin as never }, (app) => app.get('/', ok))
    t.equal((await app.inject({ url: '/', headers: { origin: E } })).headers['access-control-allow-origin'], E)
  }
})

test('strictPreflight on one registration leaves another answering 404 to bare OPTIONS', async (t) => {
  const app = Fastify()
  await app.register(async (strict) => {
    await strict.register(cors, { strictPreflight: true })
    strict.put('/', ok)
  }, { prefix: '/strict' })
  await app.register(async (lax) => {
    await lax.register(cors)
    lax.put('/', ok)
  }, { prefix: '/lax' })
  t.equal((await app.inject({ method: 'OPTIONS', url: '/strict' })).statusCode, 400)
  t.equal((await app.inject({ method: 'OPTIONS', url: '/lax' })).statusCode, 404)
  t.equal((await preflight(app, '/lax', E, 'PUT')).statusCode, 204)
})
