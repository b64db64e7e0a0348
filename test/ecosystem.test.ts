// Works beside the ecosystem: @fastify/swagger and @fastify/type-provider-typebox.
import { test } from 'tap'
import Fastify from 'fastify'
import swagger from '@fastify/swagger'
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import cors from '../lib/index.js'
import { preflight } from './helpers.js'

test('the preflight routes stay out of the OpenAPI document', async (t) => {
  const app = Fastify()
  await app.register(swagger, { openapi: { info: { title: 'api', version: '1' } } })
  await app.register(cors, { origin: ['https://a.com'] })
  app.get('/items', async () => [])
  app.put('/items/:id', { cors: { maxAge: 60 } }, async () => ({}))
  await app.ready()
  const doc = app.swagger() as { paths: Record<string, Record<string, unknown>> }
  t.same(Object.keys(doc.paths).sort(), ['/items', '/items/{id}'])
  for (const methods of Object.values(doc.paths)) t.notOk('options' in methods)
  t.equal((await preflight(app, '/items/1', 'https://a.com', 'PUT')).headers['access-control-max-age'], '60')
})

test('routes typed with the TypeBox type provider take a cors policy', async (t) => {
  const app = Fastify().withTypeProvider<TypeBoxTypeProvider>()
  await app.register(cors, { origin: ['https://a.com'] })
  app.post('/echo', {
    cors: { allowedHeaders: ['content-type'] },
    schema: { body: Type.Object({ name: Type.String() }) }
  }, async (request) => ({ hello: request.body.name }))
  await app.ready()
  const res = await app.inject({ method: 'POST', url: '/echo', headers: { origin: 'https://a.com' }, payload: { name: 'ada' } })
  t.same(res.json(), { hello: 'ada' })
  t.equal(res.headers['access-control-allow-origin'], 'https://a.com')
  const bad = await app.inject({ method: 'POST', url: '/echo', headers: { origin: 'https://a.com' }, payload: { nom: 1 } })
  t.equal(bad.statusCode, 400)
  t.equal(bad.headers['access-control-allow-origin'], 'https://a.com', 'validation errors are readable')
})
