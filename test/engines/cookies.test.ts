// Cookies on a credentialed fetch to another site, in each engine: what the profile's
// crossSiteCookies says (lib/browser/engines.ts), and what explain() and `check` warn about.
// The page is on 127.0.0.1 and the API on localhost (two sites); then on localhost (one site).
import { test } from 'tap'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ENGINES } from '../../lib/browser/engines.js'
import { eachEngine, runScenarios } from './engine.js'

// Three cookies: plain (SameSite defaults to Lax, or to None in Firefox), SameSite=None, and
// Partitioned (CHIPS). localhost is a secure context, so Secure cookies may be set over http.
const SET = ['plain=1; Path=/', 'none=1; Path=/; SameSite=None; Secure', 'part=1; Path=/; SameSite=None; Secure; Partitioned']
const CROSS_SITE = { none: '', 'partitioned-only': 'part=1', partitioned: 'plain=1; none=1; part=1' } as const

test('cookies across sites: what each engine sends back', async (t) => {
  const api = createServer((req, res) => {
    res.setHeader('access-control-allow-origin', req.headers.origin ?? '*')
    res.setHeader('access-control-allow-credentials', 'true')
    if (req.url === '/set') res.setHeader('set-cookie', SET)
    res.end(req.headers.cookie ?? '')
  })
  await new Promise<void>((resolve) => api.listen(0, 'localhost', resolve))
  t.teardown(() => api.close())
  const API = `http://localhost:${(api.address() as AddressInfo).port}`
  const scenarios = [{ url: API + '/set', init: { credentials: 'include' as const } }, { url: API + '/read', init: { credentials: 'include' as const } }]

  eachEngine(t, 'as its profile says', async (t, engine) => {
    const cross = await runScenarios(engine, '127.0.0.1', scenarios)
    t.equal(cross.seen[1].outcome.body, CROSS_SITE[ENGINES[engine].crossSiteCookies], `a page on another site: ${ENGINES[engine].crossSiteCookies}`)
    const same = await runScenarios(engine, 'localhost', scenarios)
    t.match(same.seen[1].outcome.body, /plain=1/, 'a page on the same site gets its cookies back')
  })
})
