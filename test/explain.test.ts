import { test } from 'tap'
import { build, logCapture, ok, preflight } from './helpers.js'

const A = 'https://app.example.com'

async function app (logger?: { level: string, stream: { write: (s: string) => void } }) {
  return build({ origin: [A], exposedHeaders: ['x-total'] }, (app) => {
    app.get('/items', ok)
    app.put('/items/:id', { cors: { allowedHeaders: ['content-type'], maxAge: 60 } }, ok)
    app.delete('/items/:id', { cors: false }, ok)
    app.get('/public', { cors: { origin: '*' } }, ok)
    app.get('/fn', { cors: { origin: async (o) => o === A } }, ok)
    app.get('/internal', { cors: false }, ok)
  }, logger ? { logger } : {})
}

test('explain: a simple allowed GET needs no preflight', async (t) => {
  const e = await (await app()).cors.explain({ method: 'GET', url: '/items', origin: A })
  t.equal(e.allowed, true)
  t.same(e.preflight, { sent: false })
  t.equal(e.policy.source, 'registration at /')
  t.same(e.policy.effective, { origin: [A], exposedHeaders: ['x-total'] })
  t.same(e.actual?.headers, { vary: 'Origin', 'access-control-allow-origin': A, 'access-control-expose-headers': 'x-total' })
  t.equal(e.reason, 'allowed by registration at /')
})

test("explain: the preflight's refusal names the header and the route, as the debug log does", async (t) => {
  const log = logCapture()
  const fastify = await app({ level: 'debug', stream: log.stream })
  const e = await fastify.cors.explain({ method: 'PUT', url: '/items/7', origin: A, headers: { 'content-type': 'application/json', 'X-Token': 't' } })
  t.equal(e.allowed, false)
  t.equal(e.reason, "blocked at the preflight: header 'x-token' is not in allowedHeaders of route PUT /items/:id")
  t.match(e.preflight, { sent: true, request: { method: 'OPTIONS', url: '/items/7', headers: { origin: A, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type,x-token' } }, response: { status: 204 } })
  t.notOk('x-fastify-cors-policy-reason' in (e.preflight as { response: { headers: object } }).response.headers, 'the reason header is not reported as a CORS header')
  t.ok(log.lines.some((l) => l.msg === "fastify-cors-policy: preflight denied: header 'x-token' is not in allowedHeaders of route PUT /items/:id"))
  const pass = await fastify.cors.explain({ method: 'PUT', url: '/items/7', origin: A, headers: { 'content-type': 'application/json' } })
  t.equal(pass.allowed, true)
  t.match(pass.preflight, { sent: true, response: { status: 204, headers: { 'access-control-max-age': '60', 'access-control-allow-methods': 'PUT' } } })
  t.equal(pass.reason, 'allowed by route PUT /items/:id')
})

test('the reason header is only given to explain(), never to a client', async (t) => {
  const fastify = await app()
  const res = await preflight(fastify, '/items/7', A, 'PUT', { 'access-control-request-headers': 'x-token', 'x-fastify-cors-policy-explain': 'guess' })
  t.notOk(res.headers['x-fastify-cors-policy-reason'])
})

test('explain: denied origins, CORS off, public routes with credentials, 404s, origin functions', async (t) => {
  const fastify = await app()
  const evil = await fastify.cors.explain({ method: 'GET', url: '/items', origin: 'https://evil.com' })
  t.equal(evil.reason, "blocked: origin 'https://evil.com' is not allowed by registration at /")
  t.same(evil.actual?.headers, { vary: 'Origin' })
  const off = await fastify.cors.explain({ method: 'DELETE', url: '/items/7', origin: A })
  t.equal(off.reason, 'blocked at the preflight: CORS is off for route DELETE /items/:id')
  t.equal(off.policy.effective, null)
  const safelisted = await fastify.cors.explain({ method: 'GET', url: '/items', origin: A, headers: { accept: 'text/html' } })
  t.equal(safelisted.allowed, true, 'a safelisted header needs no preflight')
  const offSimple = await fastify.cors.explain({ method: 'GET', url: '/internal', origin: A })
  t.equal(offSimple.reason, 'blocked: CORS is off for route GET /internal (cors: false)')
  t.same(offSimple.actual, { headers: {} })
  const cred = await fastify.cors.explain({ method: 'GET', url: '/public', origin: A, credentials: true })
  t.equal(cred.allowed, false)
  t.equal(cred.reason, "blocked: Access-Control-Allow-Origin '*' is not allowed with credentials (route GET /public)")
  const missing = await fastify.cors.explain({ method: 'GET', url: '/nope', origin: A })
  t.equal(missing.allowed, true)
  t.equal(missing.policy.source, 'no route GET /nope in scope, so its 404 answer uses the registration at /')
  const fn = await fastify.cors.explain({ method: 'GET', url: '/fn', origin: A })
  t.equal(fn.allowed, true)
  const fnNo = await fastify.cors.explain({ method: 'GET', url: '/fn', origin: 'https://x.com' })
  t.equal(fnNo.allowed, false)
  const noRoute = await fastify.cors.explain({ method: 'PATCH', url: '/items/7', origin: A })
  t.equal(noRoute.reason, 'blocked at the preflight: no route PATCH /items/:id (methods on this path: PUT, DELETE)')
})

test('explain: a preflight that fails only in the browser gets the standard reason', async (t) => {
  const fastify = await build({ origin: '*' }, (app) => app.put('/x', ok))
  const e = await fastify.cors.explain({ method: 'PUT', url: '/x', origin: A, credentials: true })
  t.equal(e.reason, "blocked at the preflight: preflight: Access-Control-Allow-Origin '*' is not allowed with credentials")
})

test('policies() lists every method with its effective policy; printPolicies() prints them', async (t) => {
  const fastify = await app()
  const rows = fastify.cors.policies()
  t.same(rows.map((r) => `${r.method} ${r.url} <- ${r.source}`), [
    'GET /items <- registration at /',
    'HEAD /items <- registration at /',
    'PUT /items/:id <- route PUT /items/:id',
    'DELETE /items/:id <- cors: false',
    'GET /public <- route GET /public',
    'HEAD /public <- route GET /public',
    'GET /fn <- route GET /fn',
    'HEAD /fn <- route GET /fn',
    'GET /internal <- cors: false',
    'HEAD /internal <- cors: false'
  ])
  t.same(rows[2].effective, { origin: [A], allowedHeaders: ['content-type'], exposedHeaders: ['x-total'], maxAge: 60 })
  const text = fastify.cors.printPolicies()
  t.match(text, /^GET \/items\s+registration at \/\s+origin \[https:\/\/app\.example\.com\]$/m)
  t.match(text, /^PUT \/items\/:id\s+route PUT \/items\/:id\s+origin \[https:\/\/app\.example\.com\], maxAge 60$/m)
  t.match(text, /^DELETE \/items\/:id\s+cors: false\s+off$/m)
  t.match(text, /^GET \/public\s+route GET \/public\s+origin \*$/m)
  t.match(text, /^GET \/fn\s+route GET \/fn\s+origin function$/m)
})

test('explain and printPolicies with credentials and with the default origin', async (t) => {
  const fastify = await build({ origin: [A] }, (app) => app.get('/me', { cors: { credentials: true } }, ok))
  const e = await fastify.cors.explain({ method: 'GET', url: '/me', origin: A, credentials: true })
  t.equal(e.allowed, true)
  t.same(e.actual?.headers, { vary: 'Origin', 'access-control-allow-origin': A, 'access-control-allow-credentials': 'true' })
  t.match(fastify.cors.printPolicies(), /^GET \/me\s+route GET \/me\s+origin \[https:\/\/app\.example\.com\], credentials$/m)
  const open = await build({}, (app) => app.get('/', ok))
  t.match(open.cors.printPolicies(), /^GET \/\s+registration at \/\s+origin '\*'$/m)
})

test('effective policies are handed out as plain objects, merged field by field', async (t) => {
  const fastify = await app()
  const e = await fastify.cors.explain({ method: 'PUT', url: '/items/7', origin: A })
  t.same(e.policy.effective, { origin: [A], exposedHeaders: ['x-total'], allowedHeaders: ['content-type'], maxAge: 60 })
  t.equal(Object.getPrototypeOf(e.policy.effective), Object.prototype, 'explain(): a plain object')
  const row = fastify.cors.policies().find((r) => r.method === 'PUT')
  t.equal(Object.getPrototypeOf(row?.effective), Object.prototype, 'policies(): a plain object')
  t.equal(String(row?.effective), '[object Object]', 'with the usual methods')
})
