import { test } from 'tap'
import Fastify from 'fastify'
import cors from '../../lib/index.js'
import { build, corsHeaders, ok } from '../helpers.js'

const A = 'https://a.com'
const EVIL = 'https://evil.com'

test("default policy is origin '*' without credentials, on every response", async (t) => {
  const app = await build({}, (app) => app.get('/', ok))
  const res = await app.inject({ url: '/', headers: { origin: A } })
  t.equal(res.headers['access-control-allow-origin'], '*')
  t.notOk(res.headers['access-control-allow-credentials'])
  t.notOk(res.headers.vary, 'nothing depends on Origin')
  const none = await app.inject({ url: '/' })
  t.equal(none.headers['access-control-allow-origin'], '*', 'sent without Origin too, so a shared cache can reuse it')
})

test('an allowed origin is echoed, with credentials and exposed headers; Vary: Origin', async (t) => {
  const app = await build({ origin: [A, /^https:\/\/[a-z]+\.b\.com$/], credentials: true, exposedHeaders: ['X-Total', 'X-Id'] },
    (app) => app.get('/', ok))
  for (const origin of [A, 'https://api.b.com']) {
    const res = await app.inject({ url: '/', headers: { origin } })
    t.equal(res.headers['access-control-allow-origin'], origin)
    t.equal(res.headers['access-control-allow-credentials'], 'true')
    t.equal(res.headers['access-control-expose-headers'], 'X-Total, X-Id')
    t.equal(res.headers.vary, 'Origin')
  }
})

test('a denied origin gets no CORS headers but still Vary: Origin', async (t) => {
  const app = await build({ origin: A, credentials: true }, (app) => app.get('/', ok))
  for (const origin of [EVIL, 'https://a.com.evil.com', 'null', '', 'https://A.com']) {
    const res = await app.inject({ url: '/', headers: { origin } })
    t.equal(res.statusCode, 200)
    t.same(corsHeaders(res.headers), [], origin)
    t.equal(res.headers.vary, 'Origin')
  }
  const none = await app.inject({ url: '/' })
  t.same(corsHeaders(none.headers), [])
  t.equal(none.headers.vary, 'Origin', 'a response without Origin varies too')
})

test('RegExp origins do not run on oversized input', async (t) => {
  const app = await build({ origin: [/^https:\/\/.*$/] }, (app) => app.get('/', ok))
  const long = 'https://' + 'a'.repeat(2000)
  const res = await app.inject({ url: '/', headers: { origin: long } })
  t.same(corsHeaders(res.headers), [])
  const fine = await app.inject({ url: '/', headers: { origin: 'https://x.y' } })
  t.equal(fine.headers['access-control-allow-origin'], 'https://x.y')
})

test("exposedHeaders '*' without credentials is sent as '*'; an empty list sends nothing", async (t) => {
  const app = await build({ exposedHeaders: '*' }, (app) => {
    app.get('/', ok)
    app.get('/none', { cors: { exposedHeaders: [] } }, ok)
  })
  t.equal((await app.inject({ url: '/', headers: { origin: A } })).headers['access-control-expose-headers'], '*')
  t.notOk((await app.inject({ url: '/none', headers: { origin: A } })).headers['access-control-expose-headers'])
})

test("Vary merges with the app's values without duplicates", async (t) => {
  const app = await build({ origin: A }, (app) => {
    app.get('/enc', async (req, reply) => { reply.header('vary', 'Accept-Encoding'); return 'x' })
    app.get('/dup', async (req, reply) => { reply.header('vary', 'origin'); return 'x' })
    app.get('/star', async (req, reply) => { reply.header('vary', '*'); return 'x' })
    app.get('/list', async (req, reply) => { reply.header('vary', ['Accept', 'Cookie']); return 'x' })
  })
  const headers = { origin: A }
  t.equal((await app.inject({ url: '/enc', headers })).headers.vary, 'Accept-Encoding, Origin')
  t.equal((await app.inject({ url: '/dup', headers })).headers.vary, 'origin')
  t.equal((await app.inject({ url: '/star', headers })).headers.vary, '*')
  t.equal((await app.inject({ url: '/list', headers })).headers.vary, 'Accept, Cookie, Origin')
})

test('error responses are readable by an allowed origin: thrown, hook-rejected, 401 from an earlier hook', async (t) => {
  const app = Fastify()
  await app.register(cors, { origin: A, credentials: true })
  // An auth hook registered before the routes replies before any route-level hook runs.
  app.addHook('onRequest', async (req, reply) => {
    if (req.url === '/private') return reply.code(401).send({ error: 'login' })
  })
  app.get('/private', ok)
  app.get('/boom', async () => { throw new Error('boom') })
  app.get('/bad', { schema: { querystring: { type: 'object', properties: { n: { type: 'integer' } } } } }, ok)
  app.get('/hook', { preHandler: async () => { throw Object.assign(new Error('nope'), { statusCode: 403 }) } }, ok)
  app.get('/route', { cors: { origin: 'https://route.com' } }, async () => { throw new Error('x') })
  await app.ready()
  for (const [url, status] of [['/private', 401], ['/boom', 500], ['/bad?n=x', 400], ['/hook', 403]] as const) {
    const res = await app.inject({ url, headers: { origin: A } })
    t.equal(res.statusCode, status, url)
    t.equal(res.headers['access-control-allow-origin'], A, url)
    t.equal(res.headers['access-control-allow-credentials'], 'true', url)
  }
  const route = await app.inject({ url: '/route', headers: { origin: 'https://route.com' } })
  t.equal(route.statusCode, 500)
  t.equal(route.headers['access-control-allow-origin'], 'https://route.com', 'errors use the route policy')
})

test('404s (handler, callNotFound, custom not-found handler, bad URL) use the global policy', async (t) => {
  const app = Fastify()
  await app.register(cors, { origin: A })
  app.get('/gone', { cors: { origin: 'https://route.com' } }, async (req, reply) => reply.callNotFound())
  await app.ready()
  for (const url of ['/nope', '/gone']) {
    const res = await app.inject({ url, headers: { origin: A } })
    t.equal(res.statusCode, 404, url)
    t.equal(res.headers['access-control-allow-origin'], A, url)
    t.equal(res.headers.vary, 'Origin', url)
    const denied = await app.inject({ url, headers: { origin: 'https://route.com' } })
    t.same(corsHeaders(denied.headers), [], url)
  }
  // Fastify writes FST_ERR_BAD_URL itself, before any hook: a clean 400, never a crash.
  const bad = await app.inject({ url: '/%c0', headers: { origin: A } })
  t.equal(bad.statusCode, 400)
  t.match(bad.json(), { code: 'FST_ERR_BAD_URL' })
  const custom = Fastify()
  await custom.register(cors, { origin: A })
  custom.setNotFoundHandler((req, reply) => reply.code(404).send('custom'))
  await custom.ready()
  const res = await custom.inject({ url: '/x', headers: { origin: A } })
  t.equal(res.body, 'custom')
  t.equal(res.headers['access-control-allow-origin'], A)
})

test('a preflight to an unknown path gets a 404 without CORS headers', async (t) => {
  const app = await build({}, (app) => app.get('/', ok))
  const res = await app.inject({ method: 'OPTIONS', url: '/nope', headers: { origin: A, 'access-control-request-method': 'GET' } })
  t.equal(res.statusCode, 404)
  t.same(corsHeaders(res.headers), [])
})

test('cors: false turns CORS off for a route; HEAD follows GET', async (t) => {
  const app = await build({}, (app) => {
    app.get('/internal', { cors: false }, ok)
    app.get('/cfg', { config: { cors: false } }, ok)
    app.get('/public', ok)
  })
  for (const url of ['/internal', '/cfg']) {
    for (const method of ['GET', 'HEAD'] as const) {
      const res = await app.inject({ method, url, headers: { origin: A } })
      t.equal(res.statusCode, 200)
      t.same(corsHeaders(res.headers), [], `${method} ${url}`)
    }
  }
  const head = await app.inject({ method: 'HEAD', url: '/public', headers: { origin: A } })
  t.equal(head.headers['access-control-allow-origin'], '*')
})

test('config.cors (the @fastify/cors form) is honoured like the route option', async (t) => {
  const app = await build({ origin: A }, (app) => app.get('/', { config: { cors: { origin: 'https://b.com' } } }, ok))
  t.equal((await app.inject({ url: '/', headers: { origin: 'https://b.com' } })).headers['access-control-allow-origin'], 'https://b.com')
  t.same(corsHeaders((await app.inject({ url: '/', headers: { origin: A } })).headers), [])
})

test('origin functions: sync, async, awaited in onRequest before the handler, called once', async (t) => {
  const calls: Array<string | undefined> = []
  let seenInHandler: string | undefined
  const app = await build({
    origin: async (origin, request) => {
      calls.push(origin)
      await new Promise((resolve) => setTimeout(resolve, 5))
      return origin === A && request.url !== '/blocked'
    }
  }, (app) => {
    app.get('/', async (req) => { seenInHandler = calls.at(-1); return 'x' })
    app.get('/blocked', ok)
    app.get('/sync', { cors: { origin: (origin) => origin === 'https://s.com' } }, ok)
  })
  const res = await app.inject({ url: '/', headers: { origin: A } })
  t.equal(res.headers['access-control-allow-origin'], A)
  t.equal(res.headers.vary, 'Origin')
  t.equal(seenInHandler, A, 'decided before the handler ran')
  t.same(calls, [A], 'called once per request')
  t.same(corsHeaders((await app.inject({ url: '/blocked', headers: { origin: A } })).headers), [])
  t.same(corsHeaders((await app.inject({ url: '/', headers: { origin: EVIL } })).headers), [])
  calls.length = 0
  await app.inject({ url: '/' })
  t.same(calls, [], 'not called without Origin')
  t.equal((await app.inject({ url: '/sync', headers: { origin: 'https://s.com' } })).headers['access-control-allow-origin'], 'https://s.com')
  t.same(corsHeaders((await app.inject({ url: '/sync', headers: { origin: A } })).headers), [])
})

test('origin functions on routes of exact-origin apps: called once per request in every scope, even one made before', async (t) => {
  const calls: string[] = []
  const fn = (origin: string): boolean => { calls.push(origin); return origin === A }
  // Whether the request was made with the field (null until an origin function answers).
  const field = async (request: object): Promise<string> => {
    const key = Object.getOwnPropertySymbols(request).find((k) => k.description === 'fastify-cors-policy.decision')
    return key === undefined ? 'absent' : String((request as Record<symbol, unknown>)[key])
  }
  const app = Fastify()
  await app.register(cors, { origin: ['https://b.com'] })
  app.register(async (none) => { none.get('/none', field) })
  // The child's Request is made (copying the fields declared so far) before the root route's
  // origin function declares the field on the root.
  app.register(async (child) => {
    child.get('/child', { cors: { origin: fn } }, ok)
    child.get('/child-plain', field)
  })
  await app.after()
  app.get('/root', { cors: { origin: fn } }, ok)
  app.get('/plain', field)
  await app.ready()
  t.equal((await app.inject('/none')).body, 'absent', 'a scope made before any origin function, with none, pays for no field')
  t.equal((await app.inject('/child-plain')).body, 'null', 'the child declared it for its routes')
  t.equal((await app.inject('/plain')).body, 'null', 'the root declared it for its routes')
  for (const url of ['/child', '/root']) {
    calls.length = 0
    const res = await app.inject({ url, headers: { origin: A } })
    t.equal(res.headers['access-control-allow-origin'], A, url)
    t.same(calls, [A], `${url}: called once, in onRequest, its answer kept for onSend`)
    calls.length = 0
    t.same(corsHeaders((await app.inject({ url, headers: { origin: EVIL } })).headers), [], `${url}: refused`)
    t.same(calls, [EVIL])
  }
  for (const url of ['/child-plain', '/plain']) {
    const res = await app.inject({ url, headers: { origin: 'https://b.com' } })
    t.equal(res.headers['access-control-allow-origin'], 'https://b.com', `${url}: the global list`)
  }
  t.same(calls, [EVIL], 'the routes without an origin function do not call it')
})

test('origin functions that throw, reject or return non-booleans deny CORS and keep the server up', async (t) => {
  const errors: unknown[] = []
  const app = Fastify({ logger: { level: 'error', stream: { write: (s: string) => errors.push(JSON.parse(s)) } } })
  await app.register(cors, { origin: () => { throw new Error('db down') } })
  app.get('/throw', ok)
  app.get('/reject', { cors: { origin: async () => { throw new Error('rejected') } } }, ok)
  app.get('/truthy', { cors: { origin: (() => 'yes') as never } }, ok)
  app.get('/truthy-async', { cors: { origin: (async () => 1) as never } }, ok)
  await app.ready()
  for (const url of ['/throw', '/reject', '/truthy', '/truthy-async']) {
    const res = await app.inject({ url, headers: { origin: A } })
    t.equal(res.statusCode, 200, url)
    t.same(corsHeaders(res.headers), [], url)
  }
  t.equal(errors.length, 3, 'one error line per failing policy; a string that names another origin is a valid refusal')
  t.match(errors[0], { level: 50, msg: /origin function failed; CORS denied/, err: { message: 'db down' } })
  t.match(errors[1], { err: { message: 'rejected' }, policy: 'route GET /reject' })
  t.match(errors[2], { err: { message: /origin function answered number; answer true or false/ }, policy: 'route GET /truthy-async' })
})

test('an origin function still decides when an earlier hook replied first', async (t) => {
  const app = Fastify()
  await app.register(cors, { origin: async (o) => o === A, credentials: true })
  app.addHook('onRequest', async (req, reply) => reply.code(401).send('no'))
  app.get('/', ok)
  await app.ready()
  const res = await app.inject({ url: '/', headers: { origin: A } })
  t.equal(res.statusCode, 401)
  t.equal(res.headers['access-control-allow-origin'], A)
  t.equal(res.headers['access-control-allow-credentials'], 'true')
  const sync = Fastify()
  await sync.register(cors, { origin: (o) => o === A })
  sync.addHook('onRequest', async (req, reply) => reply.code(401).send('no'))
  sync.get('/', ok)
  t.equal((await sync.inject({ url: '/', headers: { origin: A } })).headers['access-control-allow-origin'], A)
  t.same(corsHeaders((await sync.inject({ url: '/', headers: { origin: EVIL } })).headers), [])
})

test('a 404 under a function global policy is decided in onSend', async (t) => {
  const app = await build({ origin: async (o) => o === A }, (app) => app.get('/', ok))
  t.equal((await app.inject({ url: '/nope', headers: { origin: A } })).headers['access-control-allow-origin'], A)
  t.same(corsHeaders((await app.inject({ url: '/nope', headers: { origin: EVIL } })).headers), [])
})

test('a route hook array shared by several routes is not modified', async (t) => {
  const shared = [async () => {}]
  const app = await build({}, (app) => {
    app.get('/a', { onSend: shared as never, onRequest: shared }, ok)
    app.get('/b', { cors: { origin: () => true }, onRequest: shared }, ok)
  })
  t.equal(shared.length, 1)
  t.equal((await app.inject({ url: '/a', headers: { origin: A } })).headers['access-control-allow-origin'], '*')
})

test("a route's own onRequest hook (a single function) still runs, before the origin function", async (t) => {
  const order: string[] = []
  const app = await build({}, (app) => {
    app.get('/c', {
      cors: { origin: (o) => { order.push('origin'); return o === A } },
      onRequest: (_req, _reply, done) => { order.push('own'); done() }
    }, ok)
  })
  const res = await app.inject({ url: '/c', headers: { origin: A } })
  t.equal(res.headers['access-control-allow-origin'], A)
  t.same(order, ['own', 'origin'])
})

test('an allow-list mixing exact origins and RegExps denies what matches neither', async (t) => {
  const app = await build({ origin: [A, /^https:\/\/[a-z]+\.b\.com$/] }, (app) => app.get('/', ok))
  t.same(corsHeaders((await app.inject({ url: '/', headers: { origin: 'https://x.c.com' } })).headers), [])
})

test('an origin function that rejects with nothing is denied and logged with a message', async (t) => {
  const lines: Array<Record<string, unknown>> = []
  // eslint-disable-next-line prefer-promise-reject-errors
  const app = await build({ origin: () => Promise.reject() }, (app) => app.get('/', ok),
    { logger: { level: 'error', stream: { write: (s: string) => { lines.push(JSON.parse(s)) } } } })
  t.same(corsHeaders((await app.inject({ url: '/', headers: { origin: 'https://a.com' } })).headers), [])
  t.match(lines[0], { err: { message: 'origin function rejected' } })
})
