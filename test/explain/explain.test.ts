import { test } from 'tap'
import { build, logCapture, ok, preflight } from '../helpers.js'

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

// First in this file: no explain() has run yet in this process, so the secret is not made yet.
test('before any explain(), a refused preflight carries no reason header, with or without the explain header', async (t) => {
  const fastify = await app()
  const plain = await preflight(fastify, '/items/7', A, 'PUT', { 'access-control-request-headers': 'x-token' })
  t.equal(plain.statusCode, 204)
  t.notOk(plain.headers['x-fastify-cors-policy-reason'])
  const guessed = await preflight(fastify, '/items/7', A, 'PUT', { 'access-control-request-headers': 'x-token', 'x-fastify-cors-policy-explain': 'undefined' })
  t.notOk(guessed.headers['x-fastify-cors-policy-reason'])
})

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
  t.equal(e.fix, "add 'x-token' to allowedHeaders of route PUT /items/:id")
  t.ok(log.lines.some((l) => l.reason === "header 'x-token' is not in allowedHeaders of route PUT /items/:id" && l.fix === e.fix), 'the debug log carries the same reason and fix')
  const pass = await fastify.cors.explain({ method: 'PUT', url: '/items/7', origin: A, headers: { 'content-type': 'application/json' } })
  t.equal(pass.allowed, true)
  t.match(pass.preflight, { sent: true, response: { status: 204, headers: { 'access-control-max-age': '60', 'access-control-allow-methods': 'PUT' } } })
  t.equal(pass.reason, 'allowed by route PUT /items/:id')
  t.equal(pass.fix, null)
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
  t.equal(evil.fix, "if this page should be allowed, add 'https://evil.com' to origin of registration at /; otherwise this refusal is what the policy intends")
  t.same(evil.actual?.headers, { vary: 'Origin' })
  const off = await fastify.cors.explain({ method: 'DELETE', url: '/items/7', origin: A })
  t.equal(off.reason, 'blocked at the preflight: CORS is off for route DELETE /items/:id')
  t.equal(off.policy.effective, null)
  t.equal(off.fix, 'route DELETE /items/:id has cors: false; give it a policy instead if pages on other origins should read it')
  const safelisted = await fastify.cors.explain({ method: 'GET', url: '/items', origin: A, headers: { accept: 'text/html' } })
  t.equal(safelisted.allowed, true, 'a safelisted header needs no preflight')
  const offSimple = await fastify.cors.explain({ method: 'GET', url: '/internal', origin: A })
  t.equal(offSimple.reason, 'blocked: CORS is off for route GET /internal (cors: false)')
  t.same(offSimple.actual, { headers: {} })
  t.equal(offSimple.fix, 'route GET /internal has cors: false; give it a policy instead if pages on other origins should read it')
  const cred = await fastify.cors.explain({ method: 'GET', url: '/public', origin: A, credentials: true })
  t.equal(cred.allowed, false)
  t.equal(cred.reason, "blocked: the page sends credentials, and route GET /public answers Access-Control-Allow-Origin '*', which browsers refuse with credentials")
  t.equal(cred.fix, 'fetch without credentials, or give route GET /public an origin list and credentials: true')
  const credOff = await fastify.cors.explain({ method: 'GET', url: '/items', origin: A, credentials: true })
  t.equal(credOff.reason, 'blocked: the page sends credentials, and registration at / does not allow them (no Access-Control-Allow-Credentials: true)')
  t.equal(credOff.fix, 'set credentials: true in the policy of registration at /, or fetch without credentials')
  const missing = await fastify.cors.explain({ method: 'GET', url: '/nope', origin: A })
  t.equal(missing.allowed, true)
  t.equal(missing.policy.source, 'no route GET /nope in scope, so its 404 answer uses the registration at /')
  const fn = await fastify.cors.explain({ method: 'GET', url: '/fn', origin: A })
  t.equal(fn.allowed, true)
  const fnNo = await fastify.cors.explain({ method: 'GET', url: '/fn', origin: 'https://x.com' })
  t.equal(fnNo.allowed, false)
  t.match(fnNo.fix, /^the origin function of route GET \/fn answered no \(or failed: see the error log\); make it return true for 'https:\/\/x\.com'/)
  const noRoute = await fastify.cors.explain({ method: 'PATCH', url: '/items/7', origin: A })
  t.equal(noRoute.reason, 'blocked at the preflight: no route PATCH /items/:id (methods on this path: PUT, DELETE)')
  t.equal(noRoute.fix, 'declare a route PATCH /items/:id, or call the path with one of its methods')
  const nowhere = await fastify.cors.explain({ method: 'PUT', url: '/nowhere', origin: A })
  t.equal(nowhere.reason, 'blocked at the preflight: no route PUT /nowhere (no route on this path)')
  t.equal(nowhere.fix, 'declare a route PUT /nowhere, or call the path with one of its methods')
})

test('explain: a preflight that fails only in the browser gets the standard reason', async (t) => {
  const fastify = await build({ origin: '*' }, (app) => app.put('/x', ok))
  const e = await fastify.cors.explain({ method: 'PUT', url: '/x', origin: A, credentials: true })
  t.equal(e.reason, "blocked at the preflight: the page sends credentials, and registration at / answers Access-Control-Allow-Origin '*', which browsers refuse with credentials")
  t.equal(e.fix, 'fetch without credentials, or give registration at / an origin list and credentials: true')
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
  const block = (head: string) => text.slice(text.indexOf(head + '\n')).split('\n').slice(0, 3).join('\n')
  t.equal(block('GET /items  <- registration at /'), 'GET /items  <- registration at /\n' +
    '    origin https://app.example.com; credentials no; methods auto (GET, HEAD); allowedHeaders any (echoed);\n' +
    '    exposedHeaders x-total; maxAge not sent; cross-origin writes allowed from any site')
  t.equal(block('PUT /items/:id  <- route PUT /items/:id'), 'PUT /items/:id  <- route PUT /items/:id\n' +
    '    origin https://app.example.com; credentials no; methods auto (PUT); allowedHeaders content-type;\n' +
    '    exposedHeaders x-total; maxAge 60; cross-origin writes allowed from any site')
  t.equal(block('DELETE /items/:id  <- cors: false').split('\n').slice(0, 2).join('\n'), 'DELETE /items/:id  <- cors: false\n    off: no CORS headers, preflights refused')
  t.match(block('GET /public  <- route GET /public'), /\n {4}origin \*; credentials no/)
  t.match(block('GET /fn  <- route GET /fn'), /\n {4}origin a function;/)
  t.ok(text.split('\n').every((line) => line.length <= 120), 'fits in 120 columns')
})

test('explain and printPolicies with credentials and with the default origin', async (t) => {
  const fastify = await build({ origin: [A] }, (app) => app.get('/me', { cors: { credentials: true } }, ok))
  const e = await fastify.cors.explain({ method: 'GET', url: '/me', origin: A, credentials: true })
  t.equal(e.allowed, true)
  t.same(e.actual?.headers, { vary: 'Origin', 'access-control-allow-origin': A, 'access-control-allow-credentials': 'true' })
  t.match(fastify.cors.printPolicies(), /^GET \/me {2}<- route GET \/me\n {4}origin https:\/\/app\.example\.com; credentials yes;/m)
  const open = await build({}, (app) => app.get('/', ok))
  t.match(open.cors.printPolicies(), /^GET \/ {2}<- registration at \/\n {4}origin '\*';/m)
  const long = await build({ origin: Array.from({ length: 8 }, (_, i) => `https://tenant-${i}.example.com`), methods: ['GET', 'PUT'], allowedHeaders: ['content-type', 'authorization', 'x-request-id'] }, (app) => {
    app.put('/x', { cors: { origin: true } }, ok)
    app.get('/star', { cors: { exposedHeaders: '*' } }, ok)
    app.get('/empty', { cors: { exposedHeaders: [] } }, ok)
  })
  const lines = long.cors.printPolicies().split('\n')
  t.match(lines.join('\n'), /GET \/star {2}<- route GET \/star\n(?: {4}.*\n)*? {4}.*exposedHeaders '\*'/)
  t.match(lines.join('\n'), /GET \/empty {2}<- route GET \/empty\n(?: {4}.*\n)*? {4}.*exposedHeaders none/)
  t.ok(lines.every((line) => line.length <= 120), 'long policies wrap at 120 columns')
  t.match(lines.join('\n'), /origin any, reflected; credentials no; methods GET, PUT; allowedHeaders content-type, authorization, x-request-id/)
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

test('explain(), printPolicies() and the inspector name where browser engines differ', async (t) => {
  const fastify = await build({ origin: [A] }, (app) => {
    app.get('/me', { cors: { credentials: true } }, ok)
    app.put('/doc', { cors: { maxAge: 3600 } }, ok)
    app.put('/short', { cors: { maxAge: 60 } }, ok)
  })
  const me = await fastify.cors.explain({ method: 'GET', url: '/me', origin: A, credentials: true })
  t.match(me.notes, [/^credentials: a page on another site than the API gets no cookies in Safari \(WebKit\)/])
  t.same((await fastify.cors.explain({ method: 'GET', url: '/me', origin: A })).notes, [], 'no cookies sent, nothing differs')
  const doc = await fastify.cors.explain({ method: 'PUT', url: '/doc', origin: A })
  t.same(doc.notes, ['maxAge 3600: Safari (WebKit) keeps a preflight 600 s at most, then preflights again'])
  t.same((await fastify.cors.explain({ method: 'PUT', url: '/short', origin: A })).notes, [])
  t.same((await fastify.cors.explain({ method: 'PUT', url: '/doc', origin: 'https://evil.example' })).notes, [], 'blocked: no notes')
  const text = fastify.cors.printPolicies()
  t.match(text, /PUT \/doc {2}<- route PUT \/doc\n {4}.*\n {4}.*maxAge 3600; cross-origin writes [a-z ]+\n {4}browsers differ: maxAge 3600: Safari \(WebKit\) keeps a preflight 600 s at most, then preflights again\n/)
  t.match(text, /GET \/me {2}<- route GET \/me\n(?: {4}.*\n)*? {4}browsers differ: credentials: a page on another site than the API gets no cookies in Safari/)
  t.notMatch(text, /PUT \/short {2}<- route PUT \/short\n(?: {4}.*\n)*? {4}browsers differ/)
  t.ok(text.split('\n').every((line) => line.length <= 120), 'the notes wrap at 120 columns too')
})
