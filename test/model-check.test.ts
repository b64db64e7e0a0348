// Property-based check: random global and route policies, random page requests. The plugin's
// real answers (app.inject) go through the Fetch-standard browser model; the browser must allow
// exactly what the policy says, a page the policy refuses must never get CORS headers, and a
// preflight the browser fails carries no Max-Age (so no cache entry can come of it).
import { test } from 'tap'
import fc from 'fast-check'
import Fastify from 'fastify'
import cors, { type CorsPolicy } from '../lib/index.js'
import { corsCheck, isSafelistedMethod, needsPreflight, preflightCheck, preflightHeaders, unsafeHeaderNames, type PageRequest } from '../lib/browser/fetch-model.js'

const ORIGINS = ['https://a.com', 'https://b.com', 'http://c.test:8080', 'https://x.a.com', 'https://y.x.a.com', 'http://c.test']
// Origin patterns, checked below by a RegExp written here, not by the plugin's matcher.
const PATTERNS = ['https://*.a.com', 'http://c.test:*'] as const
const METHODS = ['GET', 'PUT', 'DELETE', 'PATCH'] // routes on /r; POST has none
const HEADER_NAMES = ['content-type', 'x-token', 'authorization', 'x-a']
const REGEX = /^https:\/\/[ab]\.com$/

const originArb = fc.oneof(
  fc.constant<CorsPolicy['origin']>('*'),
  fc.subarray(ORIGINS, { minLength: 1 }),
  fc.constantFrom(...ORIGINS),
  fc.constantFrom(...PATTERNS),
  fc.subarray([...PATTERNS, 'https://b.com'], { minLength: 1 }),
  fc.constant(REGEX),
  fc.constant((o: string | undefined) => o === 'https://b.com')
)
const fieldsArb = fc.record({
  origin: originArb,
  credentials: fc.boolean(),
  methods: fc.oneof(fc.constant<'auto'>('auto'), fc.subarray(['GET', 'PUT', 'DELETE', 'PATCH', 'POST'], { minLength: 1 })),
  allowedHeaders: fc.oneof(fc.constant<'*'>('*'), fc.subarray(HEADER_NAMES)),
  exposedHeaders: fc.subarray(['x-total', 'x-id']),
  maxAge: fc.nat(1000)
}, { requiredKeys: [] })

/** A policy that registration accepts: credentials never with a wildcard origin. */
function valid (merged: CorsPolicy): boolean {
  return !(merged.credentials === true && (merged.origin === undefined || merged.origin === '*'))
}

const scenarioArb = fc.record({
  global: fieldsArb,
  routeMethod: fc.constantFrom(...METHODS),
  route: fc.oneof(fc.constant(undefined), fc.constant<false>(false), fieldsArb)
}).filter(({ global, route }) => valid(global) && (route === undefined || route === false || valid({ ...global, ...route })))

const requestArb = fc.record({
  method: fc.constantFrom(...METHODS, 'POST'),
  origin: fc.constantFrom(...ORIGINS),
  credentials: fc.boolean(),
  headers: fc.record({
    'content-type': fc.constantFrom('application/json', 'text/plain'),
    'x-token': fc.constant('t'),
    authorization: fc.constant('Bearer x'),
    'x-a': fc.constant('1'),
    accept: fc.constant('application/json')
  }, { requiredKeys: [] })
})

function originAllows (origin: CorsPolicy['origin'], value: string): boolean {
  if (origin === undefined || origin === '*') return true
  if (typeof origin === 'function') return origin(value, undefined as never) === true
  const list = Array.isArray(origin) ? origin : [origin]
  return list.some((o) => (typeof o === 'string' ? (o.includes('*') ? patternRegExp(o).test(value) : o === value) : o.test(value)))
}

/** `https://*.a.com`: one or more labels; `:*`: any port or none. */
function patternRegExp (pattern: string): RegExp {
  const source = pattern.replace(/[.]/g, '\\.').replace('//*\\.', '//(?:[a-z0-9-]+\\.)+').replace(/:\*$/, '(?::\\d+)?')
  return new RegExp(`^${source}$`)
}

type Scenario = { global: CorsPolicy, routeMethod: string, route: CorsPolicy | false | undefined }

/** The merged policy governing `method` on /r (false: CORS off). */
function governing (scenario: Scenario, method: string): CorsPolicy | false {
  const own = METHODS.includes(method) && method === scenario.routeMethod ? scenario.route : undefined
  if (own === false) return false
  return own === undefined ? scenario.global : { ...scenario.global, ...own }
}

/** What the policy says, worked out from the policy alone (not from the plugin's code). */
function policyAllows (scenario: Scenario, page: PageRequest): boolean {
  const hasRoute = METHODS.includes(page.method)
  const policy = governing(scenario, page.method)
  if (policy === false) return false
  if (!originAllows(policy.origin, page.origin)) return false
  if (page.credentials === true && policy.credentials !== true) return false
  if (needsPreflight(page)) {
    if (!hasRoute) return false // the preflight names a method with no route on the path
    if (Array.isArray(policy.methods) && !policy.methods.includes(page.method) && !isSafelistedMethod(page.method)) return false
    if (Array.isArray(policy.allowedHeaders)) {
      const allowed = policy.allowedHeaders
      if (!unsafeHeaderNames(page.headers).every((n) => allowed.includes(n))) return false
    }
  }
  return true
}

test('the browser allows exactly what the policy allows (10,000 generated requests)', async (t) => {
  let cases = 0
  const counterexamples: string[] = []
  await fc.assert(fc.asyncProperty(scenarioArb, fc.array(requestArb, { minLength: 20, maxLength: 20 }), async (scenario, requests) => {
    const app = Fastify()
    await app.register(cors, scenario.global)
    for (const method of METHODS) {
      const opts = method === scenario.routeMethod && scenario.route !== undefined ? { cors: scenario.route } : {}
      app.route({ method, url: '/r', handler: async () => 'ok', ...opts })
    }
    await app.ready()
    try {
      for (const page of requests) {
        cases++
        let browser = true
        if (needsPreflight(page)) {
          const pre = await app.inject({ method: 'OPTIONS', url: '/r', headers: preflightHeaders(page) })
          browser = preflightCheck(page, pre.statusCode, pre.headers).ok
          const policy = governing(scenario, page.method)
          const cors = Object.keys(pre.headers).filter((h) => h.startsWith('access-control-'))
          // A refused origin (or CORS off, or no route) gets no CORS headers at all; a preflight
          // the browser fails on its method or headers (its CORS check passing) carries no Max-Age.
          const refusedOrigin = policy === false || !METHODS.includes(page.method) || !originAllows(policy.origin, page.origin)
          const failedOnMethodOrHeader = !browser && corsCheck(page, pre.headers).ok
          if ((refusedOrigin && cors.length > 0) || (failedOnMethodOrHeader && pre.headers['access-control-max-age'] !== undefined)) {
            counterexamples.push(JSON.stringify({ scenario, page, preflight: pre.headers }, (k, v) => (v instanceof RegExp || typeof v === 'function' ? String(v) : v)))
            return false
          }
        }
        let actualHeaders: Record<string, unknown> = {}
        if (browser) {
          const res = await app.inject({ method: page.method, url: '/r', headers: { origin: page.origin, ...page.headers } })
          actualHeaders = res.headers
          browser = corsCheck(page, res.headers).ok
        }
        const expected = policyAllows(scenario, page)
        if (browser !== expected) {
          counterexamples.push(JSON.stringify({ scenario, page, browser, expected }, (k, v) => (v instanceof RegExp || typeof v === 'function' ? String(v) : v)))
          return false
        }
        // A page the policy refuses gets no Access-Control-Allow-Origin naming it.
        if (!expected && actualHeaders['access-control-allow-origin'] === page.origin && !originAllows(scenario.global.origin, page.origin) &&
          scenario.route === undefined) {
          return false
        }
      }
      return true
    } finally {
      await app.close()
    }
  }), { numRuns: 500, seed: Number(process.env.FC_SEED ?? Date.now() % 2 ** 31) })
  t.equal(cases, 10000, 'ten thousand generated requests')
  t.same(counterexamples, [])
})
