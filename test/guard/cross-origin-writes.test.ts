// crossOriginWrites: writes a browser sends from another origin without a preflight are refused
// (403) before body parsing, hooks and handler, unless the route's policy admits the origin.
// The decision follows Go's net/http CrossOriginProtection, step by step, with its known holes closed.
import { test } from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import websocket from '@fastify/websocket'
import WebSocket from 'ws'
import cors, { OriginSet, originLookup, type CorsOptions } from '../../lib/index.js'
import { LOG_INTERVAL } from '../../lib/shared/log-throttle.js'
import { logCapture, refusal } from '../helpers.js'

const HOST = 'example.com'
const TRUSTED = 'https://trusted.example'

/** An app whose POST, PUT, GET, HEAD and OPTIONS routes on /x count the times their handler ran. */
async function counted (options: CorsOptions, route: CorsOptions | undefined = undefined, serverOptions = {}) {
  const app = Fastify(serverOptions)
  await app.register(cors, options)
  const runs = { handler: 0, hooks: 0, parsed: 0 }
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => { runs.parsed++; done(null, body) })
  const hook = async () => { runs.hooks++ }
  const handler = async () => { runs.handler++; return 'ran' }
  const opts = { ...(route === undefined ? {} : { cors: route }), onRequest: hook, preParsing: hook, preValidation: hook, preHandler: hook }
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'GET', 'OPTIONS'] as const) app.route({ method, url: '/x', ...opts, handler })
  await app.ready()
  return { app, runs }
}

async function send (app: FastifyInstance, method: string, headers: Record<string, string>) {
  return await app.inject({ method: method as 'POST', url: '/x', headers: { host: HOST, 'content-type': 'application/x-www-form-urlencoded', ...headers }, payload: method === 'GET' || method === 'HEAD' ? undefined : 'a=1' })
}

// Go's TestCrossOriginProtectionSecFetchSite and its Origin fallback cases (net/http/csrf_test.go),
// with TRUSTED as the policy's origin: [name, method, Sec-Fetch-Site, Origin, status]
const goCases: Array<[string, string, string, string, number]> = [
  ['same-origin allowed', 'POST', 'same-origin', '', 200],
  ['none allowed', 'POST', 'none', '', 200],
  ['cross-site blocked', 'POST', 'cross-site', '', 403],
  ['same-site blocked', 'POST', 'same-site', '', 403],
  ['no header with no origin', 'POST', '', '', 200],
  ['no header with matching origin', 'POST', '', 'https://example.com', 200],
  ['no header with mismatched origin', 'POST', '', 'https://attacker.example', 403],
  ['no header with null origin', 'POST', '', 'null', 403],
  ['GET allowed', 'GET', 'cross-site', '', 200],
  ['HEAD allowed', 'HEAD', 'cross-site', '', 200],
  ['OPTIONS allowed', 'OPTIONS', 'cross-site', '', 200],
  ['PUT blocked', 'PUT', 'cross-site', '', 403],
  ['DELETE blocked', 'DELETE', 'cross-site', '', 403],
  ['PATCH blocked', 'PATCH', 'cross-site', '', 403],
  // Trusted origins (Go's AddTrustedOrigin): the policy's origin.
  ['trusted origin, cross-site', 'POST', 'cross-site', TRUSTED, 200],
  ['trusted origin, no header', 'POST', '', TRUSTED, 200],
  ['untrusted origin, cross-site', 'POST', 'cross-site', 'https://attacker.example', 403],
  ['same-site from an untrusted origin', 'POST', 'same-site', 'https://sub.example.com', 403],
  // A value no browser sends is no reason to let a write through.
  ['unknown Sec-Fetch-Site', 'POST', 'somewhere', '', 403]
]

test("Go's CrossOriginProtection cases, with the route's policy as the trusted origins", async (t) => {
  const { app, runs } = await counted({ origin: [TRUSTED], credentials: true })
  for (const [name, method, site, origin, status] of goCases) {
    const before = runs.handler
    const headers: Record<string, string> = {}
    if (site !== '') headers['sec-fetch-site'] = site
    if (origin !== '') headers.origin = origin
    const res = await send(app, method, headers)
    t.equal(res.statusCode, status, name)
    t.equal(runs.handler - before, status === 200 ? 1 : 0, `${name}: the handler ${status === 200 ? 'ran' : 'did not run'}`)
  }
})

test("the holes found in Go's: userinfo, paths and malformed origins are never trusted; hosts compare as hosts", async (t) => {
  const { app } = await counted({ origin: [TRUSTED, 'https://*.partner.example'], credentials: true })
  // [Origin, Host, status] without Sec-Fetch-Site (old browsers, plain http), where the host step decides.
  const cases: Array<[string, string, number]> = [
    ['http://evil@example.com', 'example.com', 403], // golang/go#78563: passes a host comparison of the text after '@'
    ['https://example.com/', 'example.com', 403],
    ['https://example.com/x', 'example.com', 403],
    ['https://example.com.evil.net', 'example.com', 403],
    ['https://EXAMPLE.com', 'example.com', 403], // browsers serialise lowercase: anything else is forged
    ['https://example.com', 'EXAMPLE.COM', 200], // the Host header's case is the client's
    ['https://example.com', 'example.com:443', 200], // default ports dropped on both sides
    ['http://example.com', 'example.com:80', 200],
    ['https://example.com:443', 'example.com', 200],
    ['http://example.com', 'example.com', 200], // the scheme is not compared (TLS ends at a proxy)
    ['https://example.com', 'example.com:8443', 403], // another port is another origin
    ['https://example.com:8443', 'example.com:8443', 200],
    ['http://[::1]:3000', '[::1]:3000', 200],
    ['https://trusted.example@evil.net', 'example.com', 403], // userinfo is no way into the trusted list either
    ['https://a.partner.example', 'example.com', 200] // a pattern of the policy
  ]
  for (const [origin, host, status] of cases) {
    const res = await send(app, 'POST', { origin, host })
    t.equal(res.statusCode, status, `Origin ${origin}, Host ${host}`)
  }
})

test("the request's host honours Fastify's trustProxy (a proxy that rewrites Host)", async (t) => {
  const headers = { origin: 'https://api.example.com', host: 'internal:3000', 'x-forwarded-host': 'api.example.com', 'x-forwarded-proto': 'https' }
  const proxied = await counted({ origin: [TRUSTED], credentials: true }, undefined, { trustProxy: true })
  t.equal((await send(proxied.app, 'POST', headers)).statusCode, 200, 'trustProxy: X-Forwarded-Host is the host')
  const direct = await counted({ origin: [TRUSTED], credentials: true })
  t.equal((await send(direct.app, 'POST', headers)).statusCode, 403, 'without trustProxy, a client-sent X-Forwarded-Host is not believed')
})

test('a refused write runs no body parser, no hook and no handler of the route, and its answer is a short 403', async (t) => {
  const { app, runs } = await counted({ origin: [TRUSTED], credentials: true })
  const res = await send(app, 'POST', { origin: 'https://attacker.example', 'sec-fetch-site': 'cross-site' })
  t.equal(res.statusCode, 403)
  t.same(runs, { handler: 0, hooks: 0, parsed: 0 })
  t.same(res.json(), { statusCode: 403, code: 'FST_CORS_CROSS_ORIGIN_WRITE', error: 'Forbidden', message: "Cross-origin write refused: this route's CORS policy does not admit the page's origin" })
  t.notOk(res.body.includes('attacker'), 'the body names nothing the client chose')
  t.equal(res.headers['access-control-allow-origin'], undefined, 'and grants no CORS read')
  const admitted = await send(app, 'POST', { origin: TRUSTED, 'sec-fetch-site': 'cross-site' })
  t.equal(admitted.statusCode, 200)
  t.same(runs, { handler: 1, hooks: 4, parsed: 1 }, 'an admitted write runs them all')
  t.equal(admitted.headers['access-control-allow-origin'], TRUSTED)
})

test("default: 'refuse' with credentials, 'allow' without; a route's own crossOriginWrites wins; '*' has nothing to refuse", async (t) => {
  const cross = { origin: 'https://attacker.example', 'sec-fetch-site': 'cross-site' }
  t.equal((await send((await counted({ origin: [TRUSTED], credentials: true })).app, 'POST', cross)).statusCode, 403, 'credentials: refused')
  t.equal((await send((await counted({ origin: [TRUSTED] })).app, 'POST', cross)).statusCode, 200, 'no credentials: allowed, as before')
  t.equal((await send((await counted({ origin: [TRUSTED], crossOriginWrites: 'refuse' })).app, 'POST', cross)).statusCode, 403, 'refuse, without credentials')
  t.equal((await send((await counted({ origin: [TRUSTED], credentials: true }, { crossOriginWrites: 'allow' })).app, 'POST', cross)).statusCode, 200, "the route's exemption")
  t.equal((await send((await counted({ origin: [TRUSTED] }, { credentials: true })).app, 'POST', cross)).statusCode, 403, "the route's credentials bring the default")
  t.equal((await send((await counted({ origin: '*', crossOriginWrites: 'refuse' })).app, 'POST', cross)).statusCode, 200, "'*' admits every origin")
  t.equal((await send((await counted({ origin: [TRUSTED], credentials: true }, false as never)).app, 'POST', cross)).statusCode, 200, 'cors: false: no policy, no guard')
})

test('every kind of origin the policy can hold is the trusted set', async (t) => {
  const kinds: Array<[string, CorsOptions['origin']]> = [
    ['an exact origin', TRUSTED],
    ['a list', ['https://other.example', TRUSTED]],
    ['a pattern', 'https://*.example'],
    ['an OriginSet', new OriginSet([TRUSTED])],
    ['a RegExp', /^https:\/\/trusted\.example$/],
    ['a function', (origin: string) => origin === TRUSTED],
    ['an async function', async (origin: string) => origin === TRUSTED],
    ['originLookup()', originLookup(async (origin) => origin === TRUSTED)]
  ]
  for (const [name, origin] of kinds) {
    const { app, runs } = await counted({ origin, credentials: true })
    t.equal((await send(app, 'POST', { origin: TRUSTED, 'sec-fetch-site': 'cross-site' })).statusCode, 200, `${name}: admitted`)
    t.equal((await send(app, 'POST', { origin: 'https://attacker.test', 'sec-fetch-site': 'cross-site' })).statusCode, 403, `${name}: refused`)
    t.equal(runs.handler, 1, `${name}: the handler ran once`)
  }
})

test('an origin function runs once per write: its answer serves the guard and the response headers', async (t) => {
  let calls = 0
  const { app } = await counted({ origin: async (origin: string) => { calls++; return origin === TRUSTED }, credentials: true })
  const res = await send(app, 'POST', { origin: TRUSTED, 'sec-fetch-site': 'cross-site' })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['access-control-allow-origin'], TRUSTED)
  t.equal(calls, 1)
})

test('routes that only read get no guard, and nor do policies that allow writes (printRoutes shows the hooks)', async (t) => {
  const app = Fastify()
  await app.register(cors, { origin: [TRUSTED], credentials: true })
  app.get('/read', async () => 'r')
  app.post('/write', async () => 'w')
  app.post('/callback', { cors: { crossOriginWrites: 'allow' } }, async () => 'c')
  await app.ready()
  const routes = app.printRoutes({ includeHooks: true, commonPrefix: false })
  const hooksOf = (path: string) => routes.slice(routes.indexOf(path), routes.indexOf('\n', routes.indexOf(path) + path.length + 60))
  t.match(hooksOf('write (POST)'), /corsWriteGuard/)
  t.notMatch(hooksOf('read (GET'), /corsWriteGuard/)
  t.notMatch(hooksOf('callback (POST)'), /corsWriteGuard/)
})

test('one warning per policy per interval, with the reason and the fix an upgrading app needs', async (t) => {
  const { lines, stream } = logCapture()
  const app = Fastify({ logger: { level: 'warn', stream } })
  await app.register(cors, { origin: [TRUSTED], credentials: true })
  app.post('/x', async () => 'ran')
  await app.ready()
  for (let i = 0; i < 5; i++) await app.inject({ method: 'POST', url: '/x', headers: { origin: 'https://pay.provider.example', 'sec-fetch-site': 'cross-site' } })
  const warned = lines.filter((l) => String(l.msg).includes('cross-origin write refused'))
  t.equal(warned.length, 1, '5 refusals, one line')
  t.equal(warned[0].reason, "a POST from 'https://pay.provider.example' (Sec-Fetch-Site: cross-site) is not admitted by registration at /, which refuses " +
    "cross-origin writes: browsers send forms, no-cors fetches, beacons and WebSocket handshakes from any site with the user's cookies, and CORS does not stop them")
  t.equal(warned[0].fix, "if 'https://pay.provider.example' should write here, add it to origin of registration at /; if this route takes writes from other " +
    "sites by design (an OAuth form_post callback, a payment provider's return), set crossOriginWrites: 'allow' on registration at /")
  t.equal(LOG_INTERVAL, 60_000)
})

test('crossOriginWrites is checked at registration like every field', async (t) => {
  const err = await refusal({ crossOriginWrites: 'deny' })
  t.equal(err.code, 'FST_CORS_INVALID_OPTION')
  t.match(err.message, /crossOriginWrites.*'refuse' or 'allow'/)
  const app = Fastify()
  await app.register(cors, { origin: [TRUSTED] })
  // A route's bad policy throws where the route is declared.
  t.throws(() => app.post('/x', { cors: { crossOriginWrites: 'never' as 'allow' } }, async () => 'x'),
    { code: 'FST_CORS_INVALID_OPTION', message: /route POST \/x: field 'crossOriginWrites' must be 'refuse' or 'allow', received 'never'/ })
})

async function wsApp (options: CorsOptions, registerWebsocketFirst: boolean) {
  const app = Fastify()
  if (registerWebsocketFirst) await app.register(websocket)
  await app.register(cors, options)
  if (!registerWebsocketFirst) await app.register(websocket)
  const runs = { opened: 0 }
  app.get('/ws', { websocket: true }, (socket) => { runs.opened++; socket.send('hello') })
  await app.listen({ port: 0, host: '127.0.0.1' })
  return { app, runs, url: `ws://127.0.0.1:${(app.server.address() as { port: number }).port}/ws` }
}

/** Opens a WebSocket with `origin`; resolves with the first message, or the refused handshake's status. */
async function handshake (url: string, origin: string): Promise<string | number> {
  return await new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { origin })
    ws.on('message', (data) => { resolve(String(data)); ws.close() })
    ws.on('unexpected-response', (_req, res) => { resolve(res.statusCode ?? 0); res.resume() })
    ws.on('error', reject)
  })
}

test('a WebSocket handshake from an origin the policy does not admit is refused (cross-site WebSocket hijacking)', async (t) => {
  for (const first of [true, false]) {
    const { app, runs, url } = await wsApp({ origin: [TRUSTED], credentials: true }, first)
    t.teardown(async () => await app.close())
    const order = first ? '@fastify/websocket registered first' : 'this plugin registered first'
    t.equal(await handshake(url, 'https://attacker.example'), 403, `${order}: refused`)
    t.equal(runs.opened, 0, `${order}: the handler did not run`)
    t.equal(await handshake(url, TRUSTED), 'hello', `${order}: the admitted origin connects`)
    t.equal(await handshake(url, url.replace('ws://', 'http://').replace('/ws', '')), 'hello', `${order}: the same origin connects`)
    t.equal(runs.opened, 2)
  }
  const open = await wsApp({ origin: [TRUSTED] }, false)
  t.teardown(async () => await open.app.close())
  t.equal(await handshake(open.url, 'https://attacker.example'), 'hello', "without credentials, the default 'allow' lets it through")
})

test('explain() answers for a form post, a no-cors fetch, a beacon and a WebSocket: whether the handler runs, why, and what to change', async (t) => {
  const app = Fastify()
  await app.register(cors, { origin: [TRUSTED], credentials: true })
  app.post('/items', async () => 'x')
  app.post('/callback', { cors: { crossOriginWrites: 'allow' } }, async () => 'x')
  app.get('/feed', async () => 'x')
  await app.register(websocket)
  app.get('/ws', { websocket: true }, () => {})
  await app.ready()
  const form = await app.cors.explain({ kind: 'form', method: 'POST', url: '/items', origin: 'https://evil.example' })
  t.equal(form.write?.runs, false)
  t.equal(form.preflight.sent, false, 'no preflight: a form is a simple request')
  t.match(form.reason, /^refused with 403 before the handler: a POST from 'https:\/\/evil\.example' \(Sec-Fetch-Site: cross-site\) is not admitted by registration at \/.*; the page cannot read the answer \(a navigation\)$/)
  t.match(form.fix, /add it to origin of registration at \/; .* set crossOriginWrites: 'allow'/)
  const noCors = await app.cors.explain({ kind: 'no-cors', method: 'POST', url: '/items', origin: TRUSTED })
  t.equal(noCors.write?.runs, true)
  t.match(noCors.reason, /reaches the handler: registration at \/ admits that origin; the page cannot read the answer \(an opaque response\)/)
  const beacon = await app.cors.explain({ kind: 'beacon', method: 'POST', url: '/callback', origin: 'https://pay.example' })
  t.equal(beacon.write?.runs, true)
  t.match(beacon.reason, /a beacon \(POST \/callback\) from 'https:\/\/pay\.example' reaches the handler with the user's cookies: route POST \/callback does not refuse cross-origin writes \(allowed from any site\)/)
  t.match(beacon.fix, /set crossOriginWrites: 'refuse' in the policy of route POST \/callback/)
  const ws = await app.cors.explain({ kind: 'websocket', method: 'GET', url: '/ws', origin: 'https://evil.example' })
  t.equal(ws.write?.runs, false)
  t.equal(ws.allowed, false)
  t.match(ws.reason, /a WebSocket handshake from 'https:\/\/evil\.example'/)
  t.equal((await app.cors.explain({ kind: 'websocket', method: 'GET', url: '/ws', origin: TRUSTED })).allowed, true, 'an admitted WebSocket opens')
  const read = await app.cors.explain({ kind: 'form', method: 'GET', url: '/feed', origin: 'https://evil.example' })
  t.match(read.reason, /a form post \(GET \/feed\) reaches the handler: GET only reads, so it is never refused/)
})

test('policies(), printPolicies() say what each route does with cross-origin writes', async (t) => {
  const app = Fastify()
  await app.register(cors, { origin: [TRUSTED], credentials: true })
  app.post('/items', async () => 'x')
  app.post('/public', { cors: { origin: '*', credentials: false, crossOriginWrites: 'refuse' } }, async () => 'x')
  app.post('/open', { cors: { credentials: false } }, async () => 'x')
  app.post('/off', { cors: false }, async () => 'x')
  await app.ready()
  const rows = Object.fromEntries(app.cors.policies().map((r) => [r.url, r.crossOriginWrites]))
  t.same(rows, { '/items': 'refuse', '/public': 'allow', '/open': 'allow', '/off': null })
  const printed = app.cors.printPolicies()
  t.match(printed, /POST \/items {2}<- registration at \/\n[^\n]*\n? *[^\n]*cross-origin writes refused unless the origin is admitted/)
  t.match(printed, /cross-origin writes nothing to refuse \(every origin is admitted\)/)
  t.match(printed, /cross-origin writes allowed from any site/)
})

test('a route that takes GET and POST: its GETs pass the guard untouched; a wsHandler route is guarded as a WebSocket route', async (t) => {
  const app = Fastify()
  await app.register(cors, { origin: [TRUSTED], credentials: true })
  app.route({ method: ['GET', 'POST'], url: '/both', handler: async () => 'x' })
  app.route({ method: 'GET', url: '/ws2', handler: async () => 'plain', wsHandler: () => {} } as never)
  await app.ready()
  const cross = { origin: 'https://attacker.example', 'sec-fetch-site': 'cross-site' }
  t.equal((await app.inject({ method: 'GET', url: '/both', headers: cross })).statusCode, 200)
  t.equal((await app.inject({ method: 'GET', url: '/both', headers: { ...cross, upgrade: 'h2c', connection: 'upgrade' } })).statusCode, 200, 'an upgrade to something else than a WebSocket is a GET like any other')
  t.equal((await app.inject({ method: 'POST', url: '/both', headers: cross })).statusCode, 403)
  t.equal((await app.inject({ method: 'GET', url: '/ws2', headers: { ...cross, upgrade: 'websocket', connection: 'upgrade' } })).statusCode, 403, 'an upgrade to a wsHandler route is a write')
})

test('explain() for writes on a route with CORS off, and on a policy that admits every origin', async (t) => {
  const app = Fastify()
  await app.register(cors, { origin: '*' })
  app.post('/hook', { cors: false }, async () => 'x')
  app.post('/open', async () => 'x')
  await app.ready()
  const off = await app.cors.explain({ kind: 'no-cors', method: 'POST', url: '/hook', origin: 'https://evil.example' })
  t.equal(off.write?.runs, true)
  t.match(off.reason, /reaches the handler with the user's cookies: CORS is off for this route, and nothing guards its writes/)
  const open = await app.cors.explain({ kind: 'form', method: 'POST', url: '/open', origin: 'https://evil.example' })
  t.equal(open.write?.runs, true)
  t.equal(open.fix, null, "'*' admits every origin: no change would make it refuse one")
})
