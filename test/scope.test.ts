import { test } from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import cors from '../lib/index.js'
import { corsHeaders, ok, preflight } from './helpers.js'

const A = 'https://a.com'

test('registered in a prefixed child scope, it governs only that scope', async (t) => {
  const app = Fastify()
  app.get('/root', ok)
  await app.register(async (api) => {
    await api.register(cors, { origin: A })
    api.get('/', ok)
    api.put('/items/:id', ok)
    await api.register(async (nested) => { nested.delete('/deep', ok) }, { prefix: '/n' })
  }, { prefix: '/api' })
  await app.register(async (other) => { other.get('/x', ok) }, { prefix: '/other' })
  await app.ready()
  for (const url of ['/api', '/api/']) {
    t.equal((await app.inject({ url, headers: { origin: A } })).headers['access-control-allow-origin'], A, url)
    t.equal((await preflight(app, url, A, 'GET')).statusCode, 204, url)
  }
  const put = await preflight(app, '/api/items/1', A, 'PUT')
  t.equal(put.headers['access-control-allow-methods'], 'PUT')
  const deep = await preflight(app, '/api/n/deep', A, 'DELETE')
  t.equal(deep.headers['access-control-allow-origin'], A, 'nested scopes inherit it')
  for (const url of ['/root', '/other/x']) {
    t.same(corsHeaders((await app.inject({ url, headers: { origin: A } })).headers), [], url)
    t.equal((await preflight(app, url, A, 'GET')).statusCode, 404, url)
  }
})

test('a child scope may register it again with its own global options; the nearest wins', async (t) => {
  const app = Fastify()
  await app.register(cors, { origin: A })
  app.get('/a', ok)
  await app.register(async (child) => {
    await child.register(cors, { origin: 'https://child.com', maxAge: 9 })
    child.get('/b', ok)
    child.setNotFoundHandler((req, reply) => reply.code(404).send('child 404'))
  }, { prefix: '/c' })
  await app.ready()
  t.equal((await app.inject({ url: '/a', headers: { origin: A } })).headers['access-control-allow-origin'], A)
  const b = await app.inject({ url: '/c/b', headers: { origin: A } })
  t.same(corsHeaders(b.headers), [], 'the parent policy does not leak into the child')
  t.equal((await app.inject({ url: '/c/b', headers: { origin: 'https://child.com' } })).headers['access-control-allow-origin'], 'https://child.com')
  const pre = await preflight(app, '/c/b', 'https://child.com', 'GET')
  t.equal(pre.headers['access-control-max-age'], '9')
  const notFound = await app.inject({ url: '/c/nope', headers: { origin: A } })
  t.equal(notFound.body, 'child 404')
  t.same(corsHeaders(notFound.headers), [], "the child's 404 uses the child's policy only")
})

test('registering twice in one scope is refused', async (t) => {
  const app = Fastify()
  await app.register(cors)
  app.register(cors)
  await t.rejects(app.ready(), { code: 'FST_CORS_ALREADY_REGISTERED' })
})

test('routes declared before the plugin ran are refused at startup, naming them', async (t) => {
  const app = Fastify()
  app.register(cors) // not awaited: the routes below are declared before it runs
  app.get('/early', ok)
  app.put('/items/:id', ok)
  const err = await app.ready().catch((e: unknown) => e) as Error & { code: string }
  t.equal(err.code, 'FST_CORS_ROUTES_BEFORE_PLUGIN')
  t.match(err.message, /GET \/early, HEAD \/early, PUT \/items\/:id/)
  t.match(err.message, /in ES modules, `await app\.register\(cors, options\)`; in CommonJS \(no top-level await\), `app\.register\(cors, options\)\.after\(/)
})

test('the CommonJS fixes the error names work: .after() and routes in a later plugin', async (t) => {
  const after = Fastify()
  after.register(cors, { origin: ['https://a.com'] }).after(() => { after.put('/x', ok) })
  const nested = Fastify()
  nested.register(cors, { origin: ['https://a.com'] })
  nested.register(async (app) => { app.put('/x', ok) })
  for (const app of [after, nested]) {
    await app.ready()
    t.equal((await preflight(app, '/x', 'https://a.com', 'PUT')).headers['access-control-allow-origin'], 'https://a.com')
  }
})

test('the startup check lists at most ten routes', async (t) => {
  const app = Fastify()
  app.register(cors)
  for (let i = 0; i < 12; i++) app.put(`/r${i}`, ok)
  const err = await app.ready().catch((e: unknown) => e) as Error
  const listed = /cannot answer their preflights: (.*)\. Register/.exec(err.message)?.[1] ?? ''
  t.equal(listed.split(', ').length, 11, 'ten routes and an ellipsis')
  t.ok(listed.endsWith('…'))
})

test('routes of earlier sibling scopes outside the prefix do not trip the check', async (t) => {
  const app = Fastify()
  app.get('/health', ok)
  await app.register(async (api) => {
    await api.register(cors)
    api.get('/x', ok)
    api.get('/', ok)
  }, { prefix: '/api' })
  app.get('/apiary', ok)
  await t.resolves(app.ready())
})

/** A route of `method` on every kind of path, an OPTIONS route, and a version-constrained one. */
function everyKind (app: FastifyInstance, method: 'GET' | 'PUT'): void {
  for (const url of ['/', '/u/:id', '/a/:x(\\d+)-:y', '/f/*']) app.route({ method, url, handler: ok })
  app.options('/own', ok)
  app.route({ method, url: '/v', constraints: { version: '1.0.0' }, handler: ok })
}

test('every kind of route path declared before the plugin is named by the startup check', async (t) => {
  const app = Fastify()
  app.register(cors) // not awaited
  everyKind(app, 'PUT')
  const err = await app.ready().catch((e: unknown) => e) as Error
  for (const route of ['PUT /', 'PUT /u/:id', 'PUT /a/:x(\\d+)-:y', 'PUT /f/*', 'OPTIONS /own', 'PUT /v']) {
    t.ok(err.message.includes(route + ',') || err.message.includes(route + '. '), route)
  }
})

test('routes declared after the plugin, of every kind, pass the startup check', async (t) => {
  const app = Fastify()
  await app.register(cors)
  everyKind(app, 'GET')
  app.put('/u/:userId', ok)
  await t.resolves(app.ready())
})

test('in an unprefixed child scope, sibling routes are not refused and an OPTIONS route outside the scope wins', async (t) => {
  const app = Fastify()
  app.get('/health', ok)
  app.options('/x', async () => 'app options')
  await app.register(async (api) => {
    await api.register(cors, { origin: A })
    api.get('/x', ok)
  })
  await app.ready()
  t.equal((await app.inject({ url: '/x', headers: { origin: A } })).headers['access-control-allow-origin'], A)
  t.equal((await preflight(app, '/x', A, 'GET')).body, 'app options')
  t.same(corsHeaders((await app.inject({ url: '/health', headers: { origin: A } })).headers), [])
})
