// Origin patterns in a real browser: pages on two real origins under one subdomain pattern
// (one.app.localhost and two.app.localhost, which each engine resolves to the loopback address), a
// page outside it (evil.localhost), and a port pattern (127.0.0.2 on any port).
import { test } from 'tap'
import Fastify from 'fastify'
import type { AddressInfo } from 'node:net'
import cors from '../../lib/index.js'
import { eachEngine, launch, pageFetch, servePage, type EnginePage } from './engine.js'

test('https://*.example.com-style and :* patterns decide what pages on real origins may read', async (t) => {
  const served = await servePage('127.0.0.1')
  const port = Number(new URL(served.origin).port)
  const other = await servePage('127.0.0.2')
  const ONE = `http://one.app.localhost:${port}`
  const TWO = `http://two.app.localhost:${port}`
  const EVIL = `http://evil.localhost:${port}`
  const api = Fastify()
  await api.register(cors, { origin: 'http://*.app.localhost:*', credentials: true })
  api.get('/data', async () => 'data')
  api.put('/data', async (request) => ({ got: request.body }))
  api.get('/ports', { cors: { origin: 'http://127.0.0.2:*', credentials: false } }, async () => 'ports')
  await api.listen({ port: 0, host: '127.0.0.1' })
  const API = `http://127.0.0.1:${(api.server.address() as AddressInfo).port}`

  t.teardown(async () => { await api.close(); served.server.close(); other.server.close() })

  eachEngine(t, 'pages under the pattern read, the others do not', async (t, engine) => {
    const browser = await launch(engine)
    t.teardown(() => browser.close())
    const open = async (url: string): Promise<{ page: EnginePage }> => {
      const page = await browser.newPage()
      await page.goto(url)
      t.equal(await page.evaluate(() => location.origin, null), url, `the page's origin is ${url}`)
      return { page }
    }
    const one = await open(ONE)
    const two = await open(TWO)
    const evil = await open(EVIL)
    const ports = await open(other.origin)

    for (const [name, page] of [['one', one.page], ['two', two.page]] as const) {
      const read = await pageFetch(page, API + '/data', { credentials: 'include' })
      t.same({ blocked: read.blocked, body: read.body }, { blocked: false, body: 'data' }, `${name}.app.localhost reads, with credentials`)
      const put = await pageFetch(page, API + '/data', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"a":1}', credentials: 'include' })
      t.same({ blocked: put.blocked, body: put.body }, { blocked: false, body: '{"got":{"a":1}}' }, `${name}: the preflight passed on the pattern`)
    }
    const refused = await pageFetch(evil.page, API + '/data')
    t.equal(refused.blocked, true, 'evil.localhost is outside *.app.localhost')
    t.equal((await pageFetch(ports.page, API + '/ports')).body, 'ports', `${other.origin} matches http://127.0.0.2:*`)
    t.equal((await pageFetch(one.page, API + '/ports')).blocked, true, 'a route with its own pattern refuses the global one')
    t.equal((await pageFetch(ports.page, API + '/data')).blocked, true)
  })
})
