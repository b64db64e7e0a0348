import { test } from 'tap'
import { build, logCapture, ok, preflight } from './helpers.js'

const A = 'https://a.com'

test('debug logs say why a request or preflight was denied, and which policy decided', async (t) => {
  const log = logCapture()
  const app = await build({ origin: A, allowedHeaders: ['content-type'] }, (app) => {
    app.get('/x', ok)
    app.put('/x', { cors: { origin: 'https://b.com' } }, ok)
    app.delete('/x', { cors: false }, ok)
    app.patch('/x', { cors: { methods: ['GET'] } }, ok)
  }, { logger: { level: 'debug', stream: log.stream } })
  await app.inject({ url: '/x', headers: { origin: 'https://evil.com' } })
  await preflight(app, '/x', A, 'PUT')
  await preflight(app, '/x', A, 'DELETE')
  await preflight(app, '/x', A, 'POST')
  await preflight(app, '/x', A, 'PATCH')
  await preflight(app, '/x', A, 'GET', { 'access-control-request-headers': 'x-foo' })
  await preflight(app, '/x', A, 'GET', { 'access-control-request-private-network': 'true' })
  const reasons = log.lines.filter((l) => String(l.msg).startsWith('fastify-cors-policy')).map((l) => l.msg)
  t.same(reasons, [
    "fastify-cors-policy: CORS denied: origin 'https://evil.com' is not allowed by registration at /; fix: if this page should be allowed, add 'https://evil.com' to origin of registration at /; otherwise this refusal is what the policy intends",
    "fastify-cors-policy: preflight denied: origin 'https://a.com' is not allowed by route PUT /x; fix: if this page should be allowed, add 'https://a.com' to origin of route PUT /x; otherwise this refusal is what the policy intends",
    'fastify-cors-policy: preflight denied: CORS is off for route DELETE /x; fix: route DELETE /x has cors: false; give it a policy instead if pages on other origins should read it',
    'fastify-cors-policy: preflight denied: no route POST /x (methods on this path: GET, HEAD, PUT, DELETE, PATCH); fix: declare a route POST /x, or call the path with one of its methods',
    "fastify-cors-policy: preflight denied: method PATCH is not in methods of route PATCH /x; fix: add 'PATCH' to methods of route PATCH /x",
    "fastify-cors-policy: preflight denied: header 'x-foo' is not in allowedHeaders of registration at /; fix: add 'x-foo' to allowedHeaders of registration at /",
    'fastify-cors-policy: preflight denied: private network access is not allowed by registration at /; fix: set privateNetwork: true in the policy of registration at /'
  ])
  t.ok(log.lines.filter((l) => String(l.msg).startsWith('fastify-cors-policy')).every((l) => typeof l.reason === 'string' && typeof l.fix === 'string'), 'reason and fix as fields too')
  t.ok(log.lines.filter((l) => String(l.msg).startsWith('fastify-cors-policy')).every((l) => l.level === 20), 'all at debug level')
})

test('nothing is logged for allowed requests, or above debug', async (t) => {
  const log = logCapture()
  const app = await build({ origin: A }, (app) => app.get('/x', ok), { logger: { level: 'info', stream: log.stream } })
  await app.inject({ url: '/x', headers: { origin: 'https://evil.com' } })
  await app.inject({ url: '/x', headers: { origin: A } })
  t.same(log.lines.filter((l) => String(l.msg).startsWith('fastify-cors-policy')), [])
})
