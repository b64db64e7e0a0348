// Cold start: what a new process pays for this plugin, beside @fastify/cors, as ratios taken
// inside each process (so a busy machine slows both sides alike), medians over BENCH_RUNS fresh
// processes (default 15), the kinds interleaved.
// - import: time to import the plugin right after Fastify, divided by Fastify's own import time
//   (ES module `import` and CommonJS `require`);
// - build + ready: an app with 100 routes and two exact origins (and one with an origin pattern),
//   registered, built and made ready, divided by the time of a bare Fastify app with the same
//   routes (both after a first, unmeasured app, and with the modules already imported).
// - first app: the same build + ready as a process's only app (what a serverless cold start
//   pays: nothing warmed Fastify's code before it), timed in fresh processes, as medians; its
//   ratios are between processes (bare, this plugin, @fastify/cors, interleaved).
// Run after `npm run build`: it loads dist/.
import { execFileSync } from 'node:child_process'

const plugin = new URL('../dist/cjs/main.js', import.meta.url).href
const pluginCjs = new URL('../dist/cjs/index.js', import.meta.url).pathname

// The 100 routes of every app measured: 50 GET with a parameter (and their HEAD), 50 POST.
const ROUTES = "const routes = (app) => { for (let i = 0; i < 50; i++) { app.get('/r' + i + '/:id', async () => 'ok'); app.post('/r' + i, async () => 'ok') } }"

const importEsm = (target) => `
const t0 = performance.now(); await import('fastify'); const t1 = performance.now()
await import('${target}'); const t2 = performance.now()
console.log((t2 - t1) / (t1 - t0))`
const importCjs = (target) => `
const t0 = performance.now(); require('fastify'); const t1 = performance.now()
require('${target}'); const t2 = performance.now()
console.log((t2 - t1) / (t1 - t0))`
const buildReady = (target, options) => `
const { default: Fastify } = await import('fastify')
const { default: cors } = await import('${target}')
${ROUTES}
// A first app warms Fastify's own code, so the two measured ones start alike.
const first = Fastify(); routes(first); await first.ready()
let t = performance.now()
const bare = Fastify(); routes(bare); await bare.ready()
const bareMs = performance.now() - t
t = performance.now()
const app = Fastify(); await app.register(cors, ${options}); routes(app); await app.ready()
console.log((performance.now() - t) / bareMs)`

// The process's only app: milliseconds from Fastify() to ready, modules already imported.
const firstApp = (target, options) => `
const { default: Fastify } = await import('fastify')
${target === null ? '' : `const { default: cors } = await import('${target}')`}
const t = performance.now()
const app = Fastify(); ${target === null ? '' : `await app.register(cors, ${options});`}
${ROUTES}
routes(app)
await app.ready()
console.log(performance.now() - t)`

const exact = "{ origin: ['https://app.example.com', 'https://admin.example.com'] }"
const kinds = {
  'import (ESM), this plugin': ['module', importEsm(plugin)],
  'import (ESM), @fastify/cors': ['module', importEsm('@fastify/cors')],
  'require, this plugin': ['commonjs', importCjs(pluginCjs)],
  'require, @fastify/cors': ['commonjs', importCjs('@fastify/cors')],
  'build + ready, exact origins, this plugin': ['module', buildReady(plugin, exact)],
  'build + ready, exact origins, @fastify/cors': ['module', buildReady('@fastify/cors', exact)],
  'build + ready, a pattern, this plugin': ['module', buildReady(plugin, "{ origin: 'https://*.example.com' }")],
  'build + ready, a RegExp, @fastify/cors': ['module', buildReady('@fastify/cors', '{ origin: /^https:\\/\\/[a-z0-9-]+\\.example\\.com$/ }')],
  'first app, bare Fastify (ms)': ['module', firstApp(null)],
  'first app, exact origins, this plugin (ms)': ['module', firstApp(plugin, exact)],
  'first app, exact origins, @fastify/cors (ms)': ['module', firstApp('@fastify/cors', exact)]
}

const runs = Number(process.env.BENCH_RUNS ?? 15)
const ratios = Object.fromEntries(Object.keys(kinds).map((k) => [k, []]))
for (let r = 0; r < runs; r++) {
  for (const [kind, [type, code]] of Object.entries(kinds)) {
    const out = execFileSync(process.execPath, [`--input-type=${type}`, '-e', code], { encoding: 'utf8', cwd: new URL('..', import.meta.url).pathname })
    ratios[kind].push(Number(out.trim()))
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
console.log(`Cold start, Node ${process.version}: median of ${runs} fresh processes, ratio to bare Fastify in the same process`)
for (const kind of Object.keys(kinds)) {
  if (kind.startsWith('first app')) continue
  const xs = ratios[kind]
  console.log(`${kind.padEnd(46)} ${median(xs).toFixed(3)}  (min ${Math.min(...xs).toFixed(3)}, max ${Math.max(...xs).toFixed(3)})`)
}
console.log('\nThe process\'s only app (no first app warmed Fastify), median ms; ratio of medians to bare Fastify\'s')
const bare = median(ratios['first app, bare Fastify (ms)'])
for (const kind of Object.keys(kinds)) {
  if (!kind.startsWith('first app')) continue
  console.log(`${kind.padEnd(46)} ${median(ratios[kind]).toFixed(2)}  ${(median(ratios[kind]) / bare).toFixed(3)}`)
}
