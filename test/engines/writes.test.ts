// Writes CORS does not stop, in each engine: a page on another site (127.0.0.1 against an API on
// localhost) submits a form post, a no-cors fetch, a beacon and a WebSocket handshake. With
// `crossOriginWrites: 'refuse'` (the default with credentials), a counter in each handler proves
// that none ran; the same from the admitted origin and from the API's own origin run.
import { test } from 'tap'
import Fastify from 'fastify'
import websocket from '@fastify/websocket'
import type { AddressInfo } from 'node:net'
import cors from '../../lib/index.js'
import { eachEngine, launch, servePage, type EnginePage } from './engine.js'

type Kind = 'form' | 'fetch' | 'beacon' | 'ws' | 'control'
const KINDS: Kind[] = ['form', 'fetch', 'beacon', 'ws', 'control']

/** Sends the four writes from the page, one after the other; resolves with how the WebSocket ended. */
async function writeFrom (page: EnginePage, api: string): Promise<string> {
  return await page.evaluate(async (api) => {
    // A form post into a hidden frame (the page stays), a no-cors fetch, a beacon: none preflighted.
    const frame = document.createElement('iframe')
    frame.name = 'sink'
    document.body.append(frame)
    const form = document.createElement('form')
    form.method = 'POST'
    form.action = api + '/form'
    form.target = 'sink'
    const field = document.createElement('input')
    field.name = 'a'
    field.value = '1'
    form.append(field)
    document.body.append(form)
    const loaded = new Promise((resolve) => { frame.onload = resolve; setTimeout(resolve, 5000) })
    form.submit()
    await loaded
    await fetch(api + '/fetch', { method: 'POST', mode: 'no-cors', body: 'a=1', credentials: 'include' }).catch(() => {})
    // The control: the same fetch to a route that allows cross-origin writes, which must run.
    await fetch(api + '/control', { method: 'POST', mode: 'no-cors', body: 'a=1', credentials: 'include' }).catch(() => {})
    navigator.sendBeacon(api + '/beacon', 'a=1')
    return await new Promise<string>((resolve) => {
      const ws = new WebSocket(api.replace('http://', 'ws://') + '/ws')
      ws.onmessage = () => { resolve('open'); ws.close() }
      ws.onerror = () => resolve('refused')
      setTimeout(() => resolve('timeout'), 10000)
    })
  }, api)
}

test('writes from another site never reach the handler; from the admitted origin and the same origin they do', async (t) => {
  const admittedPage = await servePage('127.0.0.1')
  const otherPage = await servePage('127.0.0.1')
  t.teardown(() => { admittedPage.server.close(); otherPage.server.close() })

  const app = Fastify()
  await app.register(websocket)
  await app.register(cors, { origin: [admittedPage.origin], credentials: true })
  const runs: Record<string, Record<Kind, number>> = {}
  const count = (from: string | undefined, kind: Kind): void => {
    const key = from ?? 'none'
    runs[key] ??= { form: 0, fetch: 0, beacon: 0, ws: 0, control: 0 }
    runs[key][kind]++
  }
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, body))
  for (const kind of ['form', 'fetch', 'beacon'] as const) app.post(`/${kind}`, async (request) => { count(request.headers.origin, kind); return 'ok' })
  app.post('/control', { cors: { crossOriginWrites: 'allow' } }, async (request) => { count(request.headers.origin, 'control'); return 'ok' })
  app.get('/ws', { websocket: true }, (socket, request) => { count(request.headers.origin, 'ws'); socket.send('hello') })
  app.get('/page', { cors: false }, async (_request, reply) => reply.type('text/html').send('<!doctype html><title>api</title>'))
  await app.listen({ port: 0, host: 'localhost' })
  t.teardown(async () => await app.close())
  const api = `http://localhost:${(app.server.address() as AddressInfo).port}`

  eachEngine(t, 'form post, no-cors fetch, beacon and WebSocket', async (t, engine) => {
    for (const key of Object.keys(runs)) delete runs[key]
    const browser = await launch(engine)
    t.teardown(() => browser.close())
    const page = await browser.newPage()

    await page.goto(otherPage.origin + '/')
    t.equal(await writeFrom(page, api), 'refused', `${engine}: the WebSocket from another site is refused`)
    await page.goto(admittedPage.origin + '/')
    t.equal(await writeFrom(page, api), 'open', `${engine}: the WebSocket from the admitted origin opens`)
    await page.goto(api + '/page')
    t.equal(await writeFrom(page, api), 'open', `${engine}: the WebSocket from the API's own origin opens`)
    // Beacons are sent when the browser chooses: wait until each origin that should have one has it.
    const deadline = Date.now() + 10000
    while ((runs[admittedPage.origin]?.beacon !== 1 || runs[api]?.beacon !== 1) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100))
    await new Promise((resolve) => setTimeout(resolve, 300))

    t.same(runs[otherPage.origin], { form: 0, fetch: 0, beacon: 0, ws: 0, control: 1 },
      `${engine}: another site's form post, no-cors fetch, beacon and WebSocket ran no handler (its control write, to a route that allows them, did)`)
    t.same(runs[admittedPage.origin], { form: 1, fetch: 1, beacon: 1, ws: 1, control: 1 }, `${engine}: the admitted origin's four writes each ran their handler once`)
    // A same-origin form post may carry Origin or not (the engine's choice): count by handler.
    const same = Object.entries(runs).filter(([from]) => from !== admittedPage.origin && from !== otherPage.origin)
    const sum = (kind: Kind) => same.reduce((n, [, r]) => n + r[kind], 0)
    t.same(KINDS.map(sum), [1, 1, 1, 1, 1], `${engine}: the API's own page's four writes each ran their handler once`)
  })
})
