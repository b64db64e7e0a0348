import { test } from 'tap'
import Fastify from 'fastify'
import cors from '../lib/index.js'

test('smoke', async (t) => {
  const app = Fastify()
  await app.register(cors, { origin: ['https://a.com'] })
  app.get('/x', async () => 'x')
  app.put('/x', { cors: { origin: 'https://b.com', maxAge: 10 } }, async () => 'x')
  const r = await app.inject({ url: '/x', headers: { origin: 'https://a.com' } })
  t.equal(r.headers['access-control-allow-origin'], 'https://a.com')
  const p = await app.inject({ method: 'OPTIONS', url: '/x', headers: { origin: 'https://b.com', 'access-control-request-method': 'PUT' } })
  t.equal(p.statusCode, 204)
  t.equal(p.headers['access-control-allow-origin'], 'https://b.com')
  t.equal(p.headers['access-control-allow-methods'], 'PUT')
  console.error(p.headers)
})
