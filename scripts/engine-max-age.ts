// How long each real engine keeps a preflight: the evidence behind the max-age caps in
// lib/browser/engines.ts. Not a test: it waits two hours (Chromium's cap is 7200 s).
//   node --import=tsx scripts/engine-max-age.ts [--quick]
// --quick runs only the default (no Access-Control-Max-Age: 5 s) and a 20 s max-age.
// For each probe it opens a page, sends a preflighted PUT, and sends it again at each checkpoint,
// counting the OPTIONS requests the server saw: no new OPTIONS means the preflight was cached.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { launch, missing, pageFetch, selected, servePage, type EngineName } from '../test/engines/engine.js'

interface Probe { engine: EngineName, maxAge: number | null, checks: number[] }

const quick = process.argv.includes('--quick')
const PROBES: Probe[] = quick
  ? selected().flatMap((engine) => [
    { engine, maxAge: null, checks: [3, 7] },
    { engine, maxAge: 20, checks: [15, 23] }
  ])
  : [
      ...selected().map((engine) => ({ engine, maxAge: null, checks: [3, 7] })),
      { engine: 'webkit', maxAge: 700, checks: [590, 615] },
      { engine: 'chromium', maxAge: 700, checks: [615] },
      { engine: 'firefox', maxAge: 700, checks: [615] },
      { engine: 'chromium', maxAge: 7300, checks: [7180, 7215] },
      { engine: 'firefox', maxAge: 86400, checks: [7215] }
    ]

const preflights = new Map<string, number>()
const api = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x')
  res.setHeader('access-control-allow-origin', req.headers.origin ?? '*')
  if (req.method === 'OPTIONS') {
    preflights.set(url.pathname, (preflights.get(url.pathname) ?? 0) + 1)
    res.setHeader('access-control-allow-methods', 'PUT')
    const maxAge = url.searchParams.get('max-age')
    if (maxAge !== null) res.setHeader('access-control-max-age', maxAge)
    res.statusCode = 204
  }
  res.end('ok')
})
await new Promise<void>((resolve) => api.listen(0, 'localhost', resolve))
const API = `http://localhost:${(api.address() as AddressInfo).port}`
const page = await servePage('127.0.0.1')
const started = Date.now()
const elapsed = (): number => (Date.now() - started) / 1000

const engines = [...new Set(PROBES.map((p) => p.engine))].filter((e) => {
  const why = missing(e)
  if (why !== null) console.log(`skipped: ${why}`)
  return why === null
})
await Promise.all(engines.map(async (engine) => {
  const browser = await launch(engine)
  await Promise.all(PROBES.filter((p) => p.engine === engine).map(async (probe, i) => {
    const tab = await browser.newPage()
    await tab.goto(page.origin)
    const path = `/${engine}/${i}`
    const url = API + path + (probe.maxAge === null ? '' : `?max-age=${probe.maxAge}`)
    const put = async (): Promise<void> => {
      const res = await pageFetch(tab, url, { method: 'PUT' })
      if (res.blocked) throw new Error(`${engine}: the PUT was blocked: ${res.error ?? ''}`)
    }
    const t0 = Date.now()
    await put()
    for (const at of probe.checks) {
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, t0 + at * 1000 - Date.now())))
      const before = preflights.get(path) ?? 0
      await put()
      const cached = (preflights.get(path) ?? 0) === before
      console.log(`${engine.padEnd(8)} max-age ${String(probe.maxAge ?? '(none)').padEnd(6)} after ${String(at).padStart(5)} s: ${cached ? 'cached' : 'preflight sent again'}  (t=${elapsed().toFixed(0)} s)`)
    }
  }))
  await browser.close()
}))
api.close()
page.server.close()
process.exit(0)
