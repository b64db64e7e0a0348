// What Chromium's console says about a blocked request: it must name the real cause (the refused
// header or method, the credentials rule), because that message is where developers meet CORS.
import { test } from 'tap'
import Fastify from 'fastify'
import type { AddressInfo } from 'node:net'
import type { ConsoleMessage, Page } from 'playwright-core'
import cors from '../../lib/index.js'
import { launch, pageFetch, servePage } from './chromium.js'

/** Runs fetch() in the page and returns the console errors it caused (CORS messages come asynchronously). */
async function consoleOf (page: Page, url: string, init: RequestInit): Promise<{ blocked: boolean, errors: string[] }> {
  const errors: string[] = []
  const listen = (msg: ConsoleMessage): void => { if (msg.type() === 'error') errors.push(msg.text()) }
  page.on('console', listen)
  try {
    const res = await pageFetch(page, url, init)
    const deadline = Date.now() + 5000
    while (!errors.some((e) => e.includes(url)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25))
    return { blocked: res.blocked, errors }
  } finally {
    page.off('console', listen)
  }
}

test("Chromium's console names the cause of a refused preflight", async (t) => {
  const page1 = await servePage('127.0.0.1')
  const api = Fastify()
  await api.register(cors, { origin: [page1.origin] })
  api.put('/items/:id', { cors: { allowedHeaders: ['content-type'] } }, async () => 'put')
  // The policy of DELETE /methods lists the methods a preflight may ask for, without DELETE.
  api.put('/methods', async () => 'put')
  api.delete('/methods', { cors: { methods: ['GET', 'PUT'] } }, async () => 'deleted')
  api.get('/public', { cors: { origin: '*' } }, async () => 'public')
  api.get('/no-credentials', async () => 'plain')
  api.get('/narrow', { cors: { origin: 'https://elsewhere.example' } }, async () => 'narrow')
  await api.listen({ port: 0, host: 'localhost' })
  const API = `http://localhost:${(api.server.address() as AddressInfo).port}`
  const browser = await launch()
  t.teardown(async () => { await browser.close(); await api.close(); page1.server.close() })
  const page = await browser.newPage()
  await page.goto(page1.origin)

  const cases: Array<[string, string, RequestInit, RegExp]> = [
    ['a request header the route does not allow', '/items/7',
      { method: 'PUT', headers: { 'content-type': 'application/json', 'x-debug': '1' }, body: '{}' },
      /Request header field x-debug is not allowed by Access-Control-Allow-Headers in preflight response/],
    ['a method the route does not allow', '/methods', { method: 'DELETE' },
      /Method DELETE is not allowed by Access-Control-Allow-Methods in preflight response/],
    ['a credentialed fetch to a public route', '/public', { credentials: 'include' },
      /The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '\*' when the request's credentials mode is 'include'/],
    ['a credentialed fetch to a route without credentials', '/no-credentials', { credentials: 'include' },
      /The value of the 'Access-Control-Allow-Credentials' header in the response is '' which must be 'true' when the request's credentials mode is 'include'/],
    ['a refused origin', '/narrow', {},
      /No 'Access-Control-Allow-Origin' header is present on the requested resource/]
  ]
  for (const [what, path, init, message] of cases) {
    const { blocked, errors } = await consoleOf(page, API + path, init)
    t.ok(blocked, `${what}: blocked`)
    const line = errors.find((e) => e.includes(API + path)) ?? errors.join('\n')
    t.match(line, message, `${what}: the console says why`)
    t.match(line, `from origin '${page1.origin}' has been blocked by CORS policy`)
  }
})
