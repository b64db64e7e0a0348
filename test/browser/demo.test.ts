// The demo (npm run demo) in Chromium: its page on 127.0.0.1 (the API on localhost) clicks every button.
import { test } from 'tap'
import { startDemo } from '../../demo/app.mjs'
import { launch } from './chromium.js'

test('the demo page shows what the browser allowed and blocked', async (t) => {
  const demo = await startDemo({ apiPort: 0, pagePort: 0 })
  const browser = await launch()
  t.teardown(async () => { await browser.close(); await demo.close() })
  const page = await browser.newPage()
  await page.goto(demo.pageUrl)
  await page.click('#run-all')
  await page.waitForFunction(() => document.querySelectorAll('.result[data-outcome]').length === 9, undefined, { timeout: 20000 })
  const results = await page.$$eval('.result', (els) => Object.fromEntries(els.map((e) => [e.id.slice(2), e.textContent ?? ''])))
  t.match(results.public, /^allowed: HTTP 200/)
  t.match(results.me, /^allowed: HTTP 200 \{"user":"ada"/)
  t.match(results['public-cred'], /^blocked/)
  t.match(results.put, /^allowed: HTTP 200 \{"updated":"7","body":\{"name":"lamp"\}\}/)
  t.match(results.patch, /^allowed: HTTP 200/)
  t.match(results.delete, /^blocked/)
  t.match(results.internal, /^blocked/)
  t.match(results.secure, /^allowed: HTTP 401/)
  t.match(results.headers, /X-Total-Count=42, X-Internal-Trace=null/)
  if (process.env.DEMO_SCREENSHOT) await page.screenshot({ path: process.env.DEMO_SCREENSHOT, fullPage: true })
})
