// @fastify/cors's documented behaviours (from its README), run against this plugin, and the fate
// of each of its options. Keeps the README's migration table true.
import { test } from 'tap'
import Fastify from 'fastify'
import cors from '../lib/index.js'
import { ALWAYS, REFUSED } from '../lib/compat.js'
import { build, corsHeaders, logCapture, ok, preflight, refusal } from './helpers.js'

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

test('origin: true (reflect any) and origin: false are refused with what to use instead', async (t) => {
  t.match((await refusal({ origin: true })).message, /origin: true \(reflect every origin\) is refused: .* list the origins you serve/)
  t.match((await refusal({ origin: false })).message, /origin: false is not a policy here: put `cors: false` on the routes/)
})

test('origin as a callback-style function is refused at registration (calling back would crash later)', async (t) => {
  for (const origin of [(origin: string, cb: () => void) => cb(), function (origin: string, callback: () => void) { callback() }, async (o: string, done: () => void) => done()]) {
    const err = await refusal({ origin })
    t.equal(err.code, 'FST_CORS_INVALID_OPTION')
    t.match(err.message, /field 'origin' is a callback-style function \(origin, cb\): here an origin function is \(origin, request\) => boolean \| Promise<boolean>/)
  }
})

test('an origin function that returns nothing is denied and logged', async (t) => {
  const log = logCapture()
  const app = await build({ origin: ((origin: string) => { if (origin === '') return true }) as never },
    (app) => app.get('/', ok), { logger: { level: 'error', stream: log.stream } })
  t.same(corsHeaders((await app.inject({ url: '/', headers: { origin: E } })).headers), [])
  t.match(log.lines[0], { err: { message: /origin function returned undefined; return a boolean or a Promise<boolean>/ } })
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

test('preflight: true and hideOptionsRoute: true are accepted (always so); their opposites are refused', async (t) => {
  const app = await build({ preflight: true, hideOptionsRoute: true } as never, (app) => app.put('/', ok))
  t.equal((await preflight(app, '/', E, 'PUT')).statusCode, 204)
  t.match((await refusal({ preflight: false })).message, /'preflight: false' is not supported: to answer a path's preflights yourself, declare an OPTIONS route/)
  t.match((await refusal({ hideOptionsRoute: false })).message, /'hideOptionsRoute: false' is not supported: the preflight routes are always hidden/)
})

test('every other @fastify/cors option is refused with what to use instead', async (t) => {
  for (const key of Object.keys(REFUSED)) {
    const err = await refusal({ [key]: true })
    t.equal(err.code, 'FST_CORS_INVALID_OPTION')
    t.equal(err.message, `fastify-cors-policy: global options: the @fastify/cors option '${key}' is not supported: ${REFUSED[key]}`)
  }
  t.same(Object.keys(ALWAYS), ['preflight', 'hideOptionsRoute'])
  const route = Fastify()
  await route.register(cors)
  t.throws(() => route.get('/', { config: { cors: { hook: 'preHandler' } } } as never, ok),
    { message: /route GET \/: the @fastify\/cors option 'hook' is not supported/ })
})

test('a route config.cors (the @fastify/cors per-route form) also governs the preflight', async (t) => {
  const app = await build({ origin: E }, (app) => app.put('/r', { config: { cors: { origin: 'http://other.com' } } }, ok))
  t.equal((await preflight(app, '/r', 'http://other.com', 'PUT')).headers['access-control-allow-origin'], 'http://other.com')
  t.same(corsHeaders((await preflight(app, '/r', E, 'PUT')).headers), [])
})
