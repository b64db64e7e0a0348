// `fastify-cors-policy check` predicts each engine's verdict and console word for word: the same
// requests from a real page in Chromium, Firefox and WebKit, and from check(), against a plain
// node:http server answering each failure kind (test/engines/cases.ts).
import { test } from 'tap'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { check } from '../../lib/browser/check.js'
import { ENGINES } from '../../lib/browser/engines.js'
import { CASES } from './cases.js'
import { eachEngine, runScenarios } from './engine.js'

// Allowed in every engine, though the Fetch standard blocks it: '*' never covers Authorization there.
const STAR = {
  name: "Authorization under Access-Control-Allow-Headers: '*'",
  path: '/star-authorization',
  init: { headers: { authorization: 'Bearer x' } },
  headers: { authorization: 'Bearer x' }
}

test('check() predicts what each engine decides and prints for each kind of failure', async (t) => {
  const api = createServer((req, res) => {
    if (req.url === STAR.path) {
      res.writeHead(200, { 'access-control-allow-origin': '*', 'access-control-allow-headers': '*' })
      res.end('star')
      return
    }
    const found = CASES.find((c) => req.url === c.path)
    if (found === undefined) { res.statusCode = 404; res.end(); return }
    found.answer(req, res, req.headers.origin as string)
  })
  await new Promise<void>((resolve) => api.listen(0, 'localhost', resolve))
  t.teardown(() => api.close())
  const API = `http://localhost:${(api.address() as AddressInfo).port}`

  eachEngine(t, 'the same verdict and console lines as check()', async (t, engine) => {
    const all = [...CASES, STAR]
    const { origin, seen } = await runScenarios(engine, '127.0.0.1', all.map((c) => ({ url: API + c.path, init: c.init })))
    for (const [i, c] of all.entries()) {
      const report = await check({
        url: API + c.path,
        origin,
        method: c.init.method,
        headers: c.headers,
        credentials: c.init.credentials === 'include',
        browsers: [engine]
      })
      const { outcome, console } = seen[i]
      t.equal(report.allowed, !outcome.blocked, `${c.name}: check says ${report.allowed ? 'allowed' : 'blocked'}, as ${engine} decides`)
      t.equal(report.console[engine], console.join('\n'), `${c.name}: the same console lines`)
      if (outcome.blocked) t.equal(outcome.error, ENGINES[engine].rejection, `${c.name}: the rejection says what the profile says`)
    }
    t.equal(seen.at(-1)?.outcome.body, 'star', `${engine} lets Authorization through '*' (non-standard; the profile says so)`)
    t.equal(ENGINES[engine].wildcardCoversAuthorization, true)
  })
})
