// The inspector page in each engine: open it, fill the form, read the verdict, reason, fix and
// where engines differ. INSPECTOR_SCREENSHOT=path saves a screenshot (docs/inspector.png is made so).
import { test } from 'tap'
import Fastify from 'fastify'
import type { AddressInfo } from 'node:net'
import cors from '../../lib/index.js'
import inspector from '../../lib/inspector/inspector.js'
import { click, eachEngine, fill, launch, text, waitFor } from './engine.js'

test('the inspector shows the policies and explains a blocked request with its fix', async (t) => {
  const app = Fastify()
  await app.register(cors, { origin: ['https://app.example.com'], exposedHeaders: ['X-Total-Count'] })
  await app.register(inspector, { prefix: '/_cors' })
  app.get('/api/items', async () => [])
  app.put('/api/items/:id', { cors: { allowedHeaders: ['content-type', 'x-token'], maxAge: 600 } }, async () => 'ok')
  app.delete('/api/items/:id', { cors: { origin: 'https://admin.example.com', credentials: true } }, async () => 'ok')
  app.put('/api/doc', { cors: { maxAge: 3600 } }, async () => 'ok')
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/_cors/`

  eachEngine(t, 'policies, verdict, reason, fix and engine differences', async (t, engine) => {
    const browser = await launch(engine)
    t.teardown(() => browser.close())
    const page = await browser.newPage()
    await page.goto(url)
    await waitFor(page, () => document.getElementById('policies')?.textContent?.includes('PUT /api/items/:id') === true, null)
    const policies = await text(page, '#policies')
    t.match(policies, /PUT \/api\/items\/:id {2}<- route PUT \/api\/items\/:id\n {4}origin https:\/\/app\.example\.com;.*allowedHeaders content-type, x-token/)
    t.match(policies, /PUT \/api\/doc {2}<- route PUT \/api\/doc\n(?: {4}.*\n)*? {4}browsers differ: maxAge 3600: Safari \(WebKit\) keeps a preflight 600 s at most/)

    await fill(page, '#method', 'PUT')
    await fill(page, '#url', '/api/items/7')
    await fill(page, '#headers', 'content-type: application/json\nx-debug: 1')
    await click(page, '#explain')
    await waitFor(page, () => document.getElementById('answer')?.hidden === false, null)
    t.equal(await text(page, '#verdict'), '✘ Blocked by the browser')
    t.equal(await text(page, '#reason'), "blocked at the preflight: header 'x-debug' is not in allowedHeaders of route PUT /api/items/:id")
    t.equal(await text(page, '#fix'), "add 'x-debug' to allowedHeaders of route PUT /api/items/:id")
    t.match(await text(page, '#preflight-request'), /access-control-request-headers: content-type,x-debug/)
    t.match(await text(page, '#preflight-response'), /^HTTP 204\n[\s\S]*access-control-allow-headers: content-type, x-token/)
    if (process.env.INSPECTOR_SCREENSHOT !== undefined && engine === 'chromium') await page.screenshot(process.env.INSPECTOR_SCREENSHOT)

    await fill(page, '#headers', 'content-type: application/json')
    await click(page, '#explain')
    await waitFor(page, () => document.getElementById('verdict')?.textContent?.startsWith('✔') === true, null)
    t.equal(await text(page, '#fix'), '(nothing to fix)')
    t.equal(await text(page, '#notes'), '(no: Chromium, Firefox and Safari do the same here)')

    await fill(page, '#url', '/api/doc')
    await fill(page, '#headers', '')
    await click(page, '#explain')
    await waitFor(page, () => document.getElementById('notes')?.textContent?.startsWith('maxAge') === true, null)
    t.equal(await text(page, '#notes'), 'maxAge 3600: Safari (WebKit) keeps a preflight 600 s at most, then preflights again')

    // A form post from another site to a route with credentials: refused before the handler; from the admitted origin: runs.
    t.match(policies, /DELETE \/api\/items\/:id {2}<- route DELETE \/api\/items\/:id\n(?: {4}.*\n)*? {4}.*cross-origin writes refused unless the origin is admitted/)
    await fill(page, '#kind', 'form')
    await fill(page, '#method', 'DELETE')
    await fill(page, '#url', '/api/items/7')
    await fill(page, '#origin', 'https://evil.example')
    await click(page, '#explain')
    await waitFor(page, () => document.getElementById('verdict')?.textContent?.includes('403') === true, null)
    t.equal(await text(page, '#verdict'), '✘ Refused with 403: the handler does not run')
    t.match(await text(page, '#fix'), /set crossOriginWrites: 'allow' on route DELETE \/api\/items\/:id/)
    await fill(page, '#origin', 'https://admin.example.com')
    await click(page, '#explain')
    await waitFor(page, () => document.getElementById('verdict')?.textContent?.includes('handler runs') === true, null)
    t.equal(await text(page, '#verdict'), "⚠ The handler runs, with the user's cookies")
    t.match(await text(page, '#reason'), /admits that origin/)
  })
})
