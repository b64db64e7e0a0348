import { test } from 'tap'
import Fastify from 'fastify'
import cors from '../../lib/index.js'
import inspector, { FST_CORS_INSPECTOR_IN_PRODUCTION } from '../../lib/inspector/inspector.js'
import { ok } from '../helpers.js'

const A = 'https://app.example.com'

async function app (options = {}) {
  const app = Fastify()
  await app.register(cors, { origin: [A] })
  await app.register(inspector, options)
  app.put('/items/:id', { cors: { allowedHeaders: ['content-type'] } }, ok)
  await app.ready()
  return app
}

test('serves its page, the routes with their policies (not its own), and explain() answers', async (t) => {
  const fastify = await app()
  const page = await fastify.inject({ url: '/_cors/' })
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], /^text\/html/)
  t.match(page.body, /<title>CORS inspector<\/title>/)
  const policies = await fastify.inject({ url: '/_cors/policies' })
  t.match(policies.body, /^PUT \/items\/:id {2}<- route PUT \/items\/:id\n {4}origin https:\/\/app\.example\.com;/m)
  t.notMatch(policies.body, /_cors/, 'its own routes are left out')
  const res = await fastify.inject({
    method: 'POST',
    url: '/_cors/explain',
    payload: { method: 'PUT', url: '/items/7', origin: A, headers: { 'content-type': 'application/json', 'x-debug': '1' } }
  })
  t.equal(res.statusCode, 200)
  t.match(res.json(), { allowed: false, fix: "add 'x-debug' to allowedHeaders of route PUT /items/:id", preflight: { sent: true, response: { status: 204 } } })
  const bad = await fastify.inject({ method: 'POST', url: '/_cors/explain', payload: { method: 'PUT' } })
  t.equal(bad.statusCode, 400, 'a malformed question is a 400')
  const own = await fastify.inject({ url: '/_cors/', headers: { origin: 'https://elsewhere.example' } })
  t.equal(own.headers['access-control-allow-origin'], undefined, 'its own routes have no CORS')
})

test('a prefix of its own; refuses production unless told, and needs the plugin first', async (t) => {
  const fastify = await app({ prefix: '/debug/cors/' })
  t.equal((await fastify.inject({ url: '/debug/cors/' })).statusCode, 200)
  const env = process.env.NODE_ENV
  t.teardown(() => { process.env.NODE_ENV = env })
  process.env.NODE_ENV = 'production'
  const err = await app().catch((e: Error & { code?: string }) => e) as Error & { code?: string }
  t.equal(err.code, 'FST_CORS_INSPECTOR_IN_PRODUCTION')
  t.ok(err instanceof FST_CORS_INSPECTOR_IN_PRODUCTION)
  t.match(err.message, /NODE_ENV is production: it lists every route's CORS policy to anyone who can reach it.*allowInProduction: true/)
  t.equal((await (await app({ allowInProduction: true })).inject({ url: '/_cors/' })).statusCode, 200)
  process.env.NODE_ENV = env
  const alone = Fastify()
  await t.rejects(alone.register(inspector).ready(), /fastify-cors-policy/)
})

test('the inspector serves the report, without its own routes', async (t) => {
  const api = Fastify()
  await api.register(cors, { origin: [A, 'https://old.example.com'], reportOnly: { origin: [A] } })
  await api.register(inspector)
  api.get('/items', ok)
  await api.ready()
  await api.inject({ url: '/items', headers: { origin: 'https://old.example.com' } })
  await api.inject({ url: '/_cors/', headers: { origin: 'https://old.example.com' } })
  const rows = (await api.inject({ url: '/_cors/report' })).json()
  t.same(rows, [{ route: { method: 'GET', url: '/items' }, reason: 'origin', refused: 0, reportOnly: { wouldRefuse: 1, wouldAllow: 0 }, origins: [{ origin: 'https://old.example.com', count: 1 }], otherOrigins: 0 }])
  const page = (await api.inject({ url: '/_cors/' })).body
  t.match(page, /<table id="report">/)
})
