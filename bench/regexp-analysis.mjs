// What judging RegExp origins costs at startup: a fresh process per run imports the built plugin,
// registers it with one kind of origin, adds 10 routes and waits for ready(). Kinds are
// interleaved, medians of BENCH_RUNS (default 7) processes each, as ratios to exact origins.
// Whether redos-detector was loaded is read from require.cache in the child.
import { execFileSync } from 'node:child_process'

const kinds = {
  exact: "['https://app.example.com', 'https://admin.example.com']",
  'regexp, nothing repeated': '/^https:\\/\\/(app|admin)\\.example\\.com$/',
  'regexp, subdomains': '/^https:\\/\\/([a-z0-9-]+\\.)+example\\.com$/',
  '5 regexps': '[/^https:\\/\\/([a-z0-9-]+\\.)+example\\.com$/, /^http:\\/\\/localhost(:\\d+)?$/, /^https:\\/\\/[a-z0-9]+(-[a-z0-9]+)*\\.example\\.org$/, /^https:\\/\\/deploy-preview-\\d+--site\\.netlify\\.app$/, /^https?:\\/\\/([a-z0-9-]+\\.)*example\\.net(:\\d+)?$/]'
}
const child = (origin) => `
import { createRequire } from 'node:module'
const started = performance.now()
const { default: Fastify } = await import('fastify')
const { default: cors } = await import('${new URL('../dist/cjs/main.js', import.meta.url).href}')
const app = Fastify()
await app.register(cors, { origin: ${origin} })
for (let i = 0; i < 10; i++) app.get('/r' + i, async () => 'ok')
await app.ready()
const ms = performance.now() - started
const loaded = Object.keys(createRequire(import.meta.url).cache).some((f) => f.includes('/redos-detector/'))
console.log(JSON.stringify({ ms, loaded }))`

const runs = Number(process.env.BENCH_RUNS ?? 7)
const times = Object.fromEntries(Object.keys(kinds).map((k) => [k, []]))
const loaded = {}
for (let r = 0; r < runs; r++) {
  for (const [kind, origin] of Object.entries(kinds)) {
    const out = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', child(origin)], { encoding: 'utf8' }))
    times[kind].push(out.ms)
    loaded[kind] = out.loaded
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const base = median(times.exact)
console.log(`import + register + 10 routes + ready(), median (min-max) of ${runs} fresh processes, Node ${process.version}`)
for (const kind of Object.keys(kinds)) {
  const m = median(times[kind])
  const spread = `${Math.min(...times[kind]).toFixed(0)}-${Math.max(...times[kind]).toFixed(0)} ms`
  console.log(`${kind.padEnd(26)} ${m.toFixed(0).padStart(5)} ms (${spread.padStart(11)})  +${(m - base).toFixed(0).padStart(3)} ms  ${(m / base).toFixed(2)}x  redos-detector ${loaded[kind] ? 'loaded' : 'not loaded'}`)
}
