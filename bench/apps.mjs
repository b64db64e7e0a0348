// The four servers of the benchmark, each with the same routes and (as far as each can express
// them) the same policies. Loaded from dist/, so run `npm run build` first (npm run bench does).
import Fastify from 'fastify'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

// Each server imports only the plugin it runs: a module that is imported but never used still
// changes what Node's own request path costs (bench/README.md, "Per request, before and after").
// BENCH_PLUGIN: another build of this plugin (its dist/cjs/main.js; dist/esm/index.node.js or index.js for older builds), for before/after counts.
const PLUGIN = process.env.BENCH_PLUGIN ? pathToFileURL(resolve(process.env.BENCH_PLUGIN)).href : '../dist/cjs/main.js'
const loaders = { policy: () => import(PLUGIN), 'fastify-cors': () => import('@fastify/cors') }

export const ALLOWED = 'https://app.example.com'
export const LIST = Array.from({ length: 1000 }, (_, i) => `https://tenant${i}.example.com`)
export const REGEX = /^https:\/\/[a-z0-9-]+\.example\.com$/
// The origin pattern this plugin matches without a RegExp. It also allows deeper subdomains
// (a.b.example.com), which REGEX does not: the requests below use one label, matched by both.
export const PATTERN = 'https://*.example.com'
/** The workloads' origin for the pattern scenarios: not in LIST, so the list does not decide. */
export const SUBDOMAIN = 'https://shop.example.com'
const HEADERS = ['content-type', 'x-token']

/**
 * scenario: basic | subscribed | candidate | credentials | many | list | regex | pattern | pattern-list | function | lookup | scale:<n> (static
 * paths) | pscale:<n> (paths with a parameter). What @fastify/cors cannot express (a pattern), it
 * gets in its own form: the equivalent RegExp; for `lookup`, a callback over the same Set.
 */
function globalPolicy (kind, scenario, plugin) {
  const own = kind === 'policy'
  if (scenario === 'list') return { origin: LIST }
  if (scenario === 'regex') return { origin: REGEX }
  if (scenario === 'pattern') return { origin: own ? PATTERN : REGEX }
  if (scenario === 'pattern-list') return { origin: [...LIST, own ? PATTERN : REGEX] }
  if (scenario === 'function') {
    const tenants = new Set([...LIST, SUBDOMAIN])
    return { origin: own ? (origin) => tenants.has(origin) : (origin, cb) => cb(null, tenants.has(origin)) }
  }
  if (scenario === 'lookup') {
    const tenants = new Set([...LIST, SUBDOMAIN])
    return { origin: own ? plugin.originLookup((origin) => tenants.has(origin)) : (origin, cb) => cb(null, tenants.has(origin)) }
  }
  // A report-only candidate that admits the same origin: its evaluation is the whole cost.
  if (scenario === 'candidate') return own ? { origin: [ALLOWED], reportOnly: { origin: [ALLOWED] } } : { origin: [ALLOWED] }
  // Credentials: writes from origins the policy does not admit are refused (crossOriginWrites' default).
  if (scenario === 'credentials') return { origin: [ALLOWED], credentials: true }
  return { origin: [ALLOWED] }
}

function routeCount (scenario) {
  if (scenario === 'many') return 200
  if (scenario.includes('scale:')) return Number(scenario.split(':')[1])
  return 0
}

const handler = async () => ({ ok: true })

export async function build (kind, scenario, logger = false) {
  const plugin = kind in loaders ? await loaders[kind]() : null
  // One subscriber on each of the plugin's channels, doing nothing: what subscribing costs.
  if (scenario === 'subscribed') {
    const { subscribe } = await import('node:diagnostics_channel')
    subscribe('fastify-cors-policy:refused', () => {})
    subscribe('fastify-cors-policy:report-only', () => {})
  }
  const app = Fastify({ logger })
  const policy = { ...globalPolicy(kind, scenario, plugin), allowedHeaders: HEADERS, exposedHeaders: ['x-total'], maxAge: 600 }
  if (kind === 'policy') await app.register(plugin.default, policy)
  if (kind === 'fastify-cors') {
    await app.register(plugin.default, { ...policy, methods: ['GET', 'HEAD', 'PUT'] })
  }
  if (kind === 'floor') {
    // The least work any plugin can do: fixed, precomputed headers from one hook.
    app.addHook('onRequest', (request, reply, done) => {
      reply.header('access-control-allow-origin', ALLOWED)
      reply.header('access-control-expose-headers', 'x-total')
      reply.header('vary', 'Origin')
      done()
    })
  }
  if (kind === 'floor' || kind === 'bare') {
    app.options('*', (request, reply) => {
      if (kind === 'floor') {
        reply.header('access-control-allow-methods', 'GET, HEAD, PUT')
        reply.header('access-control-allow-headers', 'content-type, x-token')
        reply.header('access-control-max-age', '600')
      }
      reply.code(204).send()
    })
  }
  app.get('/items', handler)
  app.put('/items', handler)
  const n = routeCount(scenario)
  for (let i = 0; i < n; i++) {
    const own = { origin: `https://o${i}.example.com` }
    const opts = kind === 'policy' ? { cors: own } : kind === 'fastify-cors' ? { config: { cors: own } } : {}
    const path = scenario.startsWith('pscale:') ? `/r${i}/:id` : `/r${i}`
    app.get(path, opts, handler)
    app.put(path, opts, handler)
  }
  await app.ready()
  return app
}
