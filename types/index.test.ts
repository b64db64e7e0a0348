// Type tests against the published declarations (self-import resolves through package.json
// "exports" to dist/). Each @ts-expect-error must be an error, or tsc fails the run.
import Fastify, { type FastifyRequest } from 'fastify'
import type { Static } from '@sinclair/typebox'
import { CorsPolicySchema } from 'fastify-cors-policy/schema'
import cors, {
  definePolicy, errors, fastifyCorsPolicy, OriginSet, originLookup,
  type OriginLookupFunction, type OriginLookupOptions, type CorsOptions, type CorsPolicy, type OriginFunction, type RouteCors
} from 'fastify-cors-policy'

function expectType<T> (value: T): T { return value }
const handler = async (): Promise<string> => 'ok'

const app = Fastify()

// Plugin options: every field, every origin form.
await app.register(cors)
await app.register(cors, {})
await app.register(fastifyCorsPolicy, {
  origin: ['https://a.com', /^https:\/\/[a-z]+\.b\.com$/],
  credentials: true,
  methods: 'auto',
  allowedHeaders: '*',
  exposedHeaders: ['x-total'],
  maxAge: 600,
  privateNetwork: true
})
await app.register(cors, { origin: 'https://a.com', methods: ['GET', 'PUT'], allowedHeaders: ['content-type'], exposedHeaders: '*' })
await app.register(cors, { origin: /^https:\/\/a\.com$/ })
await app.register(cors, {
  origin: async (origin, request) => {
    expectType<string>(origin)
    expectType<FastifyRequest>(request)
    return origin === request.headers.host
  }
})
await app.register(cors, { origin: (origin) => origin === 'https://a.com' })
const allowed = new Set(['https://a.com'])
// The function is never called without an Origin: `origin` is a string.
await app.register(cors, { origin: (origin) => allowed.has(origin) })
await app.register(cors, { origin: ['http://localhost:3000', 'chrome-extension://abc', 'null'], allowNullOrigin: true })
// @fastify/cors options with their meaning; `delegator` is refused at startup, and untyped.
await app.register(cors, { origin: true, optionsSuccessStatus: 200, cacheControl: 600, preflightContinue: false, preflight: true, hideOptionsRoute: false, logLevel: 'silent', strictPreflight: true, hook: 'preHandler' })
await app.register(cors, { origin: false })
// An allow-list that changes while serving, alone or in a list.
const tenants = new OriginSet(['https://a.com'])
await app.register(cors, { origin: tenants, credentials: true })
app.get('/tenants', { cors: { origin: ['https://b.com', tenants, /^https:\/\/c\.com$/] } }, handler)
// @ts-expect-error OriginSet takes origin strings
tenants.add(42)

// Origin patterns: subdomains, any port, both; alone or in a list beside the other forms.
await app.register(cors, { origin: 'https://*.example.com', credentials: true })
app.get('/patterns', { cors: { origin: ['http://localhost:*', 'https://*.example.com:*', tenants, /^https:\/\/c\.com$/] } }, handler)
// @ts-expect-error a pattern without a scheme is a compile error, as an origin without one is
await app.register(cors, { origin: '*.example.com' })
// @ts-expect-error likewise inside a list
app.get('/patterns2', { cors: { origin: ['https://a.com', '*.b.com'] } }, handler)

// An async lookup behind a cache: the function gets the origin and an AbortSignal.
const lookup = originLookup(async (origin, signal) => { expectType<AbortSignal>(signal); return origin.endsWith('.acme.com') },
  { ttl: 60_000, negativeTtl: 10_000, max: 1000, timeout: 2000, retryAfter: 5000 })
await app.register(cors, { origin: lookup, credentials: true })
app.get('/lookup', { cors: { origin: lookup } }, handler)
expectType<boolean>(lookup.forget('https://a.acme.com'))
expectType<number>(lookup.size)
lookup.clear()
originLookup((origin) => origin === 'https://a.com') // synchronous lookups too
const options: OriginLookupOptions = { ttl: 1000 }
const typed: OriginLookupFunction = async () => true
originLookup(typed, options)
// @ts-expect-error the lookup answers a boolean, not the origin
originLookup(async (origin) => origin)
// @ts-expect-error option names are checked
originLookup(typed, { ttlMs: 1000 })
// @ts-expect-error a lookup is the whole origin, not an item of a list
app.get('/lookup2', { cors: { origin: ['https://a.com', lookup] } }, handler)
// @ts-expect-error forget() takes an origin string
lookup.forget(42)

// @ts-expect-error an origin without a scheme never matches a browser's Origin
await app.register(cors, { origin: 'app.example.com' })
// @ts-expect-error likewise inside a list
await app.register(cors, { origin: ['https://a.com', 'b.com'] })
// @ts-expect-error the comma-string forms of @fastify/cors are JavaScript-only (split at runtime); TypeScript takes arrays
await app.register(cors, { methods: 'GET,POST' })
// @ts-expect-error hook names are checked
await app.register(cors, { hook: 'onSend' })
// @ts-expect-error registration options are not route policy fields
app.get('/reg', { cors: { preflight: false } }, handler)

// @ts-expect-error a typo in the plugin options
await app.register(cors, { orgin: '*' })
// @ts-expect-error credentials must be a boolean
await app.register(cors, { credentials: 'yes' })
// @ts-expect-error methods is a list or 'auto'
await app.register(cors, { methods: 'GET' })
// @ts-expect-error maxAge is a number
await app.register(cors, { maxAge: '600' })
// @ts-expect-error an origin function returns a boolean
await app.register(cors, { origin: () => 'https://a.com' })

// Route policies: shorthand and full route(), object or false.
app.get('/public', { cors: { origin: '*' } }, handler)
app.get('/internal', { cors: false }, handler)
app.put('/items/:id', { cors: { origin: ['https://a.com'], credentials: true, maxAge: 60 } }, handler)
app.route({ method: 'DELETE', url: '/items/:id', cors: { methods: ['DELETE'] }, handler })
app.get('/config', { config: { cors: { origin: 'https://a.com' } } }, handler)
app.get('/config-off', { config: { cors: false } }, handler)

// @ts-expect-error a typo in a route policy is a compile error
app.get('/typo', { cors: { orgin: '*' } }, handler)
// @ts-expect-error a wrong type in a route policy is a compile error
app.get('/wrong', { cors: { credentials: 'yes' } }, handler)
// @ts-expect-error an unknown field in route() is a compile error
app.route({ method: 'GET', url: '/unknown', cors: { foo: 1 }, handler })
// @ts-expect-error cors: true means nothing; a policy or false
app.get('/true', { cors: true }, handler)
// @ts-expect-error allowedHeaders is a list or '*'
app.post('/h', { cors: { allowedHeaders: 'content-type' } }, handler)
// @ts-expect-error a wrong type in config.cors is caught on known fields
app.get('/config-wrong', { config: { cors: { credentials: 'yes' } } }, handler)

// The same on an http2 server.
const h2 = Fastify({ http2: true })
await h2.register(cors, { origin: 'https://a.com' })
h2.get('/x', { cors: { maxAge: 5 } }, handler)
// @ts-expect-error typos are caught on http2 instances too
h2.get('/y', { cors: { maxAgee: 5 } }, handler)

// Shared policies: definePolicy keeps literal types and checks the shape.
const firstParty = definePolicy({ origin: ['https://app.example.com'], credentials: true })
expectType<readonly ['https://app.example.com'] | string[]>(firstParty.origin)
app.get('/me', { cors: firstParty }, handler)
// @ts-expect-error definePolicy refuses typos
definePolicy({ orgin: 'https://a.com' })
// @ts-expect-error definePolicy refuses an unknown key beside known ones
definePolicy({ origin: '*', orgin: '*' })
// @ts-expect-error definePolicy checks origins too
definePolicy({ origin: ['app.example.com'] })

// The static types come from the exported TypeBox schemas.
expectType<CorsPolicy>({} as Static<typeof CorsPolicySchema>)
expectType<Static<typeof CorsPolicySchema>>({} as CorsOptions)
expectType<RouteCors>(false)
expectType<OriginFunction>((origin, request) => origin === request.hostname)
expectType<string>(new errors.FST_CORS_INVALID_OPTION('global options', 'x').code)

// crossOriginWrites: 'refuse' | 'allow', at registration and on routes.
await app.register(cors, { origin: ['https://a.com'], credentials: true, crossOriginWrites: 'refuse' })
app.post('/oauth/callback', { cors: { crossOriginWrites: 'allow' } }, handler)
expectType<'refuse' | 'allow' | undefined>(definePolicy({ crossOriginWrites: 'allow' }).crossOriginWrites)
// @ts-expect-error a value other than 'refuse' or 'allow' is a compile error
app.post('/x', { cors: { crossOriginWrites: 'deny' } }, handler)
// @ts-expect-error a typo in the field's name too
app.post('/y', { cors: { crossOriginWrite: 'allow' } }, handler)
// explain() takes the ways a page writes without a preflight; the answer says whether the handler runs.
const written = await app.cors.explain({ kind: 'form', method: 'POST', url: '/x', origin: 'https://a.com' })
expectType<boolean | undefined>(written.write?.runs)
// @ts-expect-error an unknown kind
await app.cors.explain({ kind: 'iframe', method: 'POST', url: '/x', origin: 'https://a.com' })

// reportOnly: a candidate with the policy's own fields (typed the same), and the report.
await app.register(cors, { origin: ['https://a.com', 'https://old.a.com'], reportOnly: { origin: ['https://a.com'], crossOriginWrites: 'refuse' } })
app.put('/z', { cors: { reportOnly: { allowedHeaders: ['content-type'] } } }, handler)
// @ts-expect-error a typo inside the candidate is a compile error too
app.put('/w', { cors: { reportOnly: { orgin: ['https://a.com'] } } }, handler)
// @ts-expect-error a candidate holds no candidate
await app.register(cors, { reportOnly: { reportOnly: {} } })
const rows = app.cors.report()
expectType<number>(rows[0].reportOnly.wouldRefuse)
expectType<'origin' | 'method' | 'headers' | 'private-network' | 'write' | 'invalid'>(rows[0].reason)
