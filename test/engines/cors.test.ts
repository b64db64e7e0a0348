// What a real browser lets a page read, in each engine. Pages on two origins (127.0.0.1,
// 127.0.0.2), API on localhost.
import { test } from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import type { AddressInfo } from 'node:net'
import cors from '../../lib/index.js'
import { eachEngine, launch, pageFetch, servePage, type EnginePage } from './engine.js'

test('per-route policies, preflights, credentials, exposed headers, errors', async (t) => {
  const one = await servePage('127.0.0.1')
  const two = await servePage('127.0.0.2')
  const api: FastifyInstance = Fastify()
  await api.register(cors, { origin: [one.origin], exposedHeaders: ['X-Total'] })
  api.addHook('onRequest', async (request, reply) => {
    if (request.url === '/secure') return reply.code(401).send({ error: 'login' })
    if (request.url === '/token' && request.headers.authorization !== 'Bearer good') return reply.code(401).send('no token')
  })
  api.get('/token', async () => 'token ok')
  api.get('/first', async (req, reply) => { reply.header('x-total', '3').header('x-secret', 's'); return 'first' })
  api.get('/public', { cors: { origin: '*' } }, async () => 'public')
  api.get('/narrow', { cors: { origin: two.origin } }, async () => 'narrow')
  api.get('/me', { cors: { credentials: true } }, async (req) => `cookie=${req.headers.cookie ?? ''}`)
  api.put('/items/:id', { cors: { origin: [one.origin, two.origin], allowedHeaders: ['content-type', 'x-token'], maxAge: 0 } },
    async (req) => ({ id: (req.params as { id: string }).id, body: req.body }))
  api.get('/items/:id', async () => 'item')
  api.patch('/items/:id', async () => 'patched')
  api.delete('/items/:id', { cors: false }, async () => 'deleted')
  api.post('/headers', { cors: { allowedHeaders: ['x-allowed'] } }, async () => 'headers')
  api.put('/any-header', { cors: { origin: [one.origin], credentials: true, allowedHeaders: '*' } }, async () => 'any')
  api.get('/boom', async () => { throw new Error('boom') })
  api.get('/off', { cors: false }, async () => 'off')
  let deletes = 0
  api.put('/doc', { cors: { credentials: true, maxAge: 600 } }, async () => 'put')
  api.delete('/doc', async () => { deletes++; return 'deleted' })
  await api.listen({ port: 0, host: 'localhost' })
  const API = `http://localhost:${(api.server.address() as AddressInfo).port}`

  t.teardown(async () => {
    await api.close()
    one.server.close()
    two.server.close()
  })

  eachEngine(t, 'what pages on two origins may read', async (t, engine) => {
    const browser = await launch(engine)
    t.teardown(() => browser.close())
    deletes = 0
    const pageOne: EnginePage = await browser.newPage()
    await pageOne.goto(one.origin)
    const pageTwo: EnginePage = await browser.newPage()
    await pageTwo.goto(two.origin)

    t.test('global allow-list: the listed origin reads, the other is blocked', async (t) => {
      const res = await pageFetch(pageOne, API + '/first', {}, ['x-total', 'x-secret'])
      t.equal(res.blocked, false)
      t.equal(res.body, 'first')
      t.equal(res.headers?.['x-total'], '3', 'an exposed header is readable')
      t.equal(res.headers?.['x-secret'], null, 'a header not exposed is hidden')
      t.equal((await pageFetch(pageTwo, API + '/first')).blocked, true)
    })

    t.test('a route policy opens access (origin *) and narrows it (another origin only)', async (t) => {
      t.equal((await pageFetch(pageTwo, API + '/public')).body, 'public')
      t.equal((await pageFetch(pageOne, API + '/public')).body, 'public')
      t.equal((await pageFetch(pageTwo, API + '/narrow')).body, 'narrow')
      t.equal((await pageFetch(pageOne, API + '/narrow')).blocked, true)
    })

    t.test('preflighted PUT with JSON and a custom header, per route policy', async (t) => {
      const init = { method: 'PUT', headers: { 'content-type': 'application/json', 'x-token': 't' }, body: '{"a":1}' }
      for (const page of [pageOne, pageTwo]) {
        const res = await pageFetch(page, API + '/items/5', init)
        t.equal(res.blocked, false)
        t.same(JSON.parse(res.body ?? '{}'), { id: '5', body: { a: 1 } })
      }
      const extra = await pageFetch(pageOne, API + '/items/5', { ...init, headers: { ...init.headers, 'x-other': '1' } })
      t.equal(extra.blocked, true, 'a header outside allowedHeaders fails the preflight')
    })

    t.test("auto methods: PATCH is allowed by the path's method table; DELETE has CORS off", async (t) => {
      t.equal((await pageFetch(pageOne, API + '/items/5', { method: 'PATCH' })).body, 'patched')
      t.equal((await pageFetch(pageTwo, API + '/items/5', { method: 'PATCH' })).blocked, true, 'PATCH inherits the global list, which omits page two')
      t.equal((await pageFetch(pageOne, API + '/items/5', { method: 'DELETE' })).blocked, true)
    })

    t.test('allowedHeaders list: a POST with an unlisted header is blocked, a listed one passes', async (t) => {
      t.equal((await pageFetch(pageOne, API + '/headers', { method: 'POST', headers: { 'x-allowed': '1' } })).body, 'headers')
      t.equal((await pageFetch(pageOne, API + '/headers', { method: 'POST', headers: { 'x-nope': '1' } })).blocked, true)
    })

    t.test("allowedHeaders '*' with credentials still lets Authorization through (echoed, not '*')", async (t) => {
      const res = await pageFetch(pageOne, API + '/any-header', { method: 'PUT', credentials: 'include', headers: { authorization: 'Bearer x', 'x-any': '1' } })
      t.equal(res.body, 'any')
    })

    t.test("credentials: allowed with an exact origin, blocked against origin '*'", async (t) => {
      const me = await pageFetch(pageOne, API + '/me', { credentials: 'include' })
      t.equal(me.blocked, false)
      t.equal(me.status, 200)
      t.equal((await pageFetch(pageOne, API + '/public', { credentials: 'include' })).blocked, true)
      t.equal((await pageFetch(pageTwo, API + '/me', { credentials: 'include' })).blocked, true)
    })

    t.test('401 from a hook, 500 from a handler and 404 are readable by an allowed origin', async (t) => {
      t.equal((await pageFetch(pageOne, API + '/secure')).status, 401)
      t.equal((await pageFetch(pageOne, API + '/boom')).status, 500)
      t.equal((await pageFetch(pageOne, API + '/nowhere')).status, 404)
      t.equal((await pageFetch(pageTwo, API + '/secure')).blocked, true)
    })

    t.test('an auth hook does not break the preflight of an Authorization request', async (t) => {
      const res = await pageFetch(pageOne, API + '/token', { headers: { authorization: 'Bearer good' } })
      t.equal(res.status, 200)
      t.equal(res.body, 'token ok')
      t.equal((await pageFetch(pageOne, API + '/token', { headers: { authorization: 'Bearer bad' } })).status, 401)
    })

    t.test("the browser's preflight cache never lets a credentialed DELETE skip its own refused preflight", async (t) => {
      t.equal((await pageFetch(pageOne, API + '/doc', { method: 'PUT', credentials: 'include' })).body, 'put')
      const del = await pageFetch(pageOne, API + '/doc', { method: 'DELETE', credentials: 'include' })
      t.equal(del.blocked, true)
      t.equal(deletes, 0, 'the DELETE never reached the server')
      t.equal((await pageFetch(pageOne, API + '/doc', { method: 'DELETE' })).body, 'deleted', 'without credentials it is allowed')
    })

    t.test('a route with CORS off is unreadable from any other origin', async (t) => {
      t.equal((await pageFetch(pageOne, API + '/off')).blocked, true)
      t.equal((await pageFetch(pageTwo, API + '/off')).blocked, true)
    })
  })
})
