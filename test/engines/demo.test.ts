// The demo (npm run demo) in Chromium: its page on another port of localhost clicks every
// button and shows the browser's outcome beside the plugin's reason and fix.
import { test } from 'tap'
import { startDemo } from '../../demo/app.mjs'
import { launch } from './chromium.js'

test("the demo page shows what the browser allowed and blocked, with the plugin's reason and fix", async (t) => {
  const demo = await startDemo({ apiPort: 0, pagePort: 0 })
  const browser = await launch()
  t.teardown(async () => { await browser.close(); await demo.close() })
  const page = await browser.newPage()
  await page.goto(demo.pageUrl)
  await page.click('#run-all')
  await page.waitForFunction(() => [...document.querySelectorAll('.why')].filter((e) => e.id !== 'w-free' && e.textContent !== '').length === 13,
    undefined, { timeout: 30000 })
  const results = await page.$$eval('.result', (els) => Object.fromEntries(els.map((e) => [e.id.slice(2), e.textContent ?? ''])))
  const why = await page.$$eval('.why', (els) => Object.fromEntries(els.map((e) => [e.id.slice(2), e.textContent ?? ''])))
  t.match(results.public, /^✔ allowed: HTTP 200/)
  t.match(results.login, /^✔ allowed: HTTP 200 \{"loggedIn":true\}/)
  t.match(results.me, /^✔ allowed: HTTP 200 \{"user":"ada","cookie":"session=ada"\}/, 'the cookie set by the API comes back')
  t.match(results['public-cred'], /^✘ blocked/)
  t.match(why['public-cred'], /Fix: fetch without credentials, or give route GET \/api\/public an origin list and credentials: true/)
  t.match(results.put, /^✔ allowed: HTTP 200 \{"updated":"7","body":\{"name":"lamp"\}\}/)
  t.match(results['put-debug'], /^✘ blocked/)
  t.match(why['put-debug'], /Why: blocked at the preflight: header 'x-debug' is not in allowedHeaders of route PUT \/api\/items\/:idFix: add 'x-debug' to allowedHeaders of route PUT \/api\/items\/:id/)
  t.match(results.patch, /^✔ allowed: HTTP 200/)
  t.match(results.delete, /^✘ blocked/)
  t.match(why.delete, /Fix: if this page should be allowed, add 'http:\/\/localhost:\d+' to origin of route DELETE \/api\/items\/:id/)
  t.match(results.internal, /^✘ blocked/)
  t.match(why.internal, /cors: false/)
  t.match(results.secure, /^✔ allowed: HTTP 401/)
  t.match(results.headers, /X-Total-Count=42, X-Internal-Trace=null/)
  t.match(why.put, /Why: allowed by route PUT \/api\/items\/:idheaders/)
  t.match(results.tools, /^✔ allowed: HTTP 200/, 'the page on another port matches http://localhost:*')
  t.match(results.preview, /^✘ blocked/)
  t.match(why.preview, /'http:\/\/\*\.localhost:\*' needs at least one label before localhostFix: add 'http:\/\/localhost:\d+' to origin of route GET \/api\/preview to allow the domain itself/)

  await page.selectOption('#f-method', 'PUT')
  await page.fill('#f-url', '/api/items/9')
  await page.fill('#f-headers', 'x-other: 1')
  await page.click('#free button')
  await page.waitForFunction(() => document.getElementById('w-free')?.textContent !== '')
  t.match(await page.textContent('#r-free'), /^✘ blocked/)
  t.match(await page.textContent('#w-free'), /Fix: add 'x-other' to allowedHeaders of route PUT \/api\/items\/:id/)
  if (process.env.DEMO_SCREENSHOT) await page.screenshot({ path: process.env.DEMO_SCREENSHOT, fullPage: true })
})
