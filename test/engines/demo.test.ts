// The demo (npm run demo) in each engine: its page on another port of localhost clicks every
// button and shows the browser's outcome beside the plugin's reason and fix, and names its engine.
import { test } from 'tap'
import { startDemo } from '../../demo/app.mjs'
import { click, eachEngine, fill, launch, text, waitFor, type EngineName } from './engine.js'

const SAYS: Record<EngineName, string> = { chromium: 'Chromium (Blink)', firefox: 'Firefox (Gecko)', webkit: "Safari's engine (WebKit)" }

test("the demo page shows what the browser allowed and blocked, with the plugin's reason and fix", async (t) => {
  const demo = await startDemo({ apiPort: 0, pagePort: 0 })
  t.teardown(() => demo.close())

  eachEngine(t, 'every call, its outcome, reason and fix', async (t, engine) => {
    const browser = await launch(engine)
    t.teardown(() => browser.close())
    const page = await browser.newPage()
    await page.goto(demo.pageUrl)
    t.equal(await text(page, '#engine'), SAYS[engine], 'the page names the engine it runs in')
    await click(page, '#run-all')
    await waitFor(page, () => [...document.querySelectorAll('.why')].filter((e) => e.id !== 'w-free' && e.textContent !== '').length === 13, null)
    // (Evaluated code is sent as source: no named inner functions, which tsx would wrap in a helper.)
    const [results, why] = await page.evaluate(() => ['.result', '.why'].map((selector) =>
      Object.fromEntries([...document.querySelectorAll(selector)].map((e) => [e.id.slice(2), e.textContent ?? '']))), null)
    t.match(results.public, /^✔ allowed: HTTP 200/)
    t.match(results.login, /^✔ allowed: HTTP 200 \{"loggedIn":true\}/)
    t.match(results.me, /^✔ allowed: HTTP 200 \{"user":"ada","cookie":"session=ada"\}/, 'the cookie set by the API comes back (page and API: one site)')
    t.match(why.me, /Browsers differ: credentials: a page on another site than the API gets no cookies in Safari \(WebKit\)/)
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

    await fill(page, '#f-method', 'PUT')
    await fill(page, '#f-url', '/api/items/9')
    await fill(page, '#f-headers', 'x-other: 1')
    await click(page, '#free button')
    await waitFor(page, () => document.getElementById('w-free')?.textContent !== '', null)
    t.match(await text(page, '#r-free'), /^✘ blocked/)
    t.match(await text(page, '#w-free'), /Fix: add 'x-other' to allowedHeaders of route PUT \/api\/items\/:id/)

    // The rehearsed change: PUT with X-Token was allowed, and the report says the candidate would refuse it.
    await click(page, '#show-report')
    await waitFor(page, () => document.getElementById('report')?.textContent?.includes('PUT') === true, null)
    t.match(await text(page, '#report'), /PUT \/api\/items\/:id \(headers\): refused \d+, the candidate would refuse [1-9]\d* and allow 0; origins: http:\/\/localhost:\d+ ×\d+/)

    // Writes CORS does not stop: a form post from this (admitted) page runs the handler; one from
    // the page on another site is refused before it, and the API's counter shows it did not run.
    await click(page, '#form-here')
    await waitFor(page, () => document.getElementById('y-here')?.textContent !== '', null)
    // One demo serves every engine: the counter goes on from the engine before.
    const ran = /^✔ the handler ran \(transfers: (\d+)\)/.exec(await text(page, '#x-here'))
    t.ok(ran, 'the admitted page\'s form post ran the handler')
    t.match(await text(page, '#y-here'), /Why: a form post \(POST \/api\/transfer\) from 'http:\/\/localhost:\d+' reaches the handler: route POST \/api\/transfer admits that origin/)
    await click(page, '#form-other')
    await waitFor(page, () => document.getElementById('y-other')?.textContent !== '', null)
    t.equal(await text(page, '#x-other'), `✘ refused with 403: the handler did not run (transfers: ${ran?.[1]})`, 'the counter did not move')
    t.match(await text(page, '#y-other'), /Why: refused with 403 before the handler: a POST from 'http:\/\/127\.0\.0\.1:\d+'.*Fix: .*crossOriginWrites: 'allow'/)
    if (process.env.DEMO_SCREENSHOT !== undefined && engine === 'chromium') await page.screenshot(process.env.DEMO_SCREENSHOT)
  })
})
