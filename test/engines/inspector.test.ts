// The inspector page in Chromium: open it, fill the form, read the verdict, reason and fix.
// INSPECTOR_SCREENSHOT=path saves a screenshot (docs/inspector.png is made so).
import { test } from 'tap'
import Fastify from 'fastify'
import type { AddressInfo } from 'node:net'
import cors from '../../lib/index.js'
import inspector from '../../lib/inspector/inspector.js'
import { launch } from './chromium.js'

test('the inspector shows the policies and explains a blocked request with its fix', async (t) => {
  const app = Fastify()
  await app.register(cors, { origin: ['https://app.example.com'], exposedHeaders: ['X-Total-Count'] })
  await app.register(inspector, { prefix: '/_cors' })
  app.get('/api/items', async () => [])
  app.put('/api/items/:id', { cors: { allowedHeaders: ['content-type', 'x-token'], maxAge: 600 } }, async () => 'ok')
  app.delete('/api/items/:id', { cors: { origin: 'https://admin.example.com', credentials: true } }, async () => 'ok')
  await app.listen({ port: 0, host: '127.0.0.1' })
  const browser = await launch()
  t.teardown(async () => { await browser.close(); await app.close() })
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } })
  await page.goto(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}/_cors/`)
  await page.waitForFunction(() => document.getElementById('policies')?.textContent?.includes('PUT /api/items/:id'))
  t.match(await page.textContent('#policies'), /PUT \/api\/items\/:id {2}<- route PUT \/api\/items\/:id\n {4}origin https:\/\/app\.example\.com;.*allowedHeaders content-type, x-token/)

  await page.selectOption('#method', 'PUT')
  await page.fill('#url', '/api/items/7')
  await page.fill('#headers', 'content-type: application/json\nx-debug: 1')
  await page.click('#explain')
  await page.waitForSelector('#answer:not([hidden])')
  t.equal(await page.textContent('#verdict'), '✘ Blocked by the browser')
  t.equal(await page.textContent('#reason'), "blocked at the preflight: header 'x-debug' is not in allowedHeaders of route PUT /api/items/:id")
  t.equal(await page.textContent('#fix'), "add 'x-debug' to allowedHeaders of route PUT /api/items/:id")
  t.match(await page.textContent('#preflight-request'), /access-control-request-headers: content-type,x-debug/)
  t.match(await page.textContent('#preflight-response'), /^HTTP 204\n[\s\S]*access-control-allow-headers: content-type, x-token/)
  if (process.env.INSPECTOR_SCREENSHOT) await page.screenshot({ path: process.env.INSPECTOR_SCREENSHOT, fullPage: true })

  await page.fill('#headers', 'content-type: application/json')
  await page.click('#explain')
  await page.waitForFunction(() => document.getElementById('verdict')?.textContent?.startsWith('✔'))
  t.equal(await page.textContent('#fix'), '(nothing to fix)')
})
