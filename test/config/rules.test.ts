// Each rule of reading a policy, one row per case the rule names: every forbidden header and
// method, every field's message, the edges of how values are described and typos suggested, the
// @fastify/cors shapes, and the published TypeBox schemas. (Mutation testing found these rows
// missing: a rule could lose an entry and every other test still passed. docs/mutation.md.)
import { test } from 'tap'
import { Value } from '@sinclair/typebox/value'
import { describe, insecureOrigins, readPolicy, regExpsOf, suffixEntries } from '../../lib/config/validate.js'
import { stateless } from '../../lib/config/compat.js'
import { FIELD_EXPECTS } from '../../lib/config/fields.js'
import { compilePolicy, mergePolicy } from '../../lib/config/policy.js'
import { CorsOptionsSchema, CorsPolicySchema, OriginSchema, RegistrationSchema, RouteCorsSchema } from '../../lib/config/schema.js'
import { OriginSet } from '../../lib/origins/origin-set.js'
import { build, logCapture, ok, refusal } from '../helpers.js'

/** The message readPolicy() refuses `input` with, or null if it is accepted. */
function refused (input: unknown, route = false): string | null {
  try {
    readPolicy(input, 'registration at /', route)
    return null
  } catch (err) {
    return (err as Error).message
  }
}

test('every request header the browser sets itself is refused in allowedHeaders, by name', async (t) => {
  const forbidden = ['Accept-Charset', 'Accept-Encoding', 'Connection', 'Content-Length', 'Cookie', 'Cookie2', 'Date', 'DNT',
    'Expect', 'Host', 'Keep-Alive', 'Origin', 'Referer', 'Set-Cookie', 'TE', 'Trailer', 'Transfer-Encoding', 'Upgrade', 'Via',
    'Proxy-Authorization', 'Sec-Fetch-Site']
  for (const name of forbidden) {
    t.match(refused({ allowedHeaders: [name] }), `field 'allowedHeaders' contains '${name}', a header the browser sets itself`, name)
  }
  for (const name of ['Access-Control-Request-Headers', 'Access-Control-Request-Method']) {
    t.match(refused({ allowedHeaders: [name] }), "Access-Control-* headers are the CORS protocol's own", name)
  }
  // Near misses are ordinary headers.
  for (const name of ['X-Cookie', 'Dates', 'Tee', 'Hosts', 'Set-Cookie2', 'Via-X']) t.equal(refused({ allowedHeaders: [name] }), null, name)
})

test('every method a page cannot send is refused; Set-Cookie and Set-Cookie2 are never exposed', async (t) => {
  for (const method of ['CONNECT', 'TRACE', 'TRACK', 'track']) {
    t.match(refused({ methods: [method] }), `field 'methods' contains '${method}', a method the Fetch standard forbids`, method)
  }
  t.equal(refused({ methods: ['TRACKS', 'PATCH'] }), null)
  for (const name of ['Set-Cookie', 'set-cookie2']) {
    t.match(refused({ exposedHeaders: [name] }), `field 'exposedHeaders' contains '${name}', which browsers never expose`, name)
  }
  t.equal(refused({ exposedHeaders: ['Set-Cookie3', 'Cookie'] }), null)
})

test('every field refused with a wrong type says what it accepts', async (t) => {
  const wrong: Record<string, unknown> = {
    origin: 42,
    credentials: 'yes',
    methods: 42,
    allowedHeaders: 1,
    exposedHeaders: 1,
    maxAge: -1,
    privateNetwork: 1,
    allowNullOrigin: 1,
    originTimeout: 0,
    optionsSuccessStatus: 300,
    cacheControl: -1,
    preflightContinue: 1,
    crossOriginWrites: 'deny',
    reportOnly: [],
    preflight: 1,
    hideOptionsRoute: 1,
    logLevel: 1,
    strictPreflight: 1,
    report: 1,
    hook: 'onSend'
  }
  // Written out, not read from FIELD_EXPECTS: this is what users are told, and a test that read
  // the code's own table could not catch a change to it.
  const expects: Record<string, string> = {
    origin: "'*', an origin string, a RegExp, an OriginSet, an array of those, a function, true or false",
    credentials: 'a boolean',
    methods: "an array of method names or 'auto'",
    allowedHeaders: "an array of header names or '*'",
    exposedHeaders: "an array of header names or '*'",
    maxAge: 'a whole number of seconds, 0 or more',
    privateNetwork: 'a boolean',
    allowNullOrigin: 'a boolean',
    originTimeout: 'a whole number of milliseconds, 1 or more',
    optionsSuccessStatus: 'a whole number from 200 to 299',
    cacheControl: 'a whole number of seconds or a Cache-Control value',
    preflightContinue: 'a boolean',
    crossOriginWrites: "'refuse' or 'allow'",
    reportOnly: 'an object of policy fields (the candidate policy)',
    preflight: 'a boolean',
    hideOptionsRoute: 'a boolean',
    logLevel: "a log level such as 'silent' or 'debug'",
    strictPreflight: 'a boolean',
    report: 'a boolean',
    hook: "one of 'onRequest', 'preParsing', 'preValidation', 'preHandler', 'preSerialization'"
  }
  t.same(Object.keys(FIELD_EXPECTS).sort(), Object.keys(expects).sort(), 'every field is in this table')
  for (const [field, value] of Object.entries(wrong)) {
    t.match(refused({ [field]: value }), `field '${field}' must be ${expects[field]}, received `, field)
  }
  for (const value of ['refuse', 'allow']) t.equal(refused({ crossOriginWrites: value }), null, value)
})

test('received values are described briefly: strings past 80 characters and lists past 5 items are cut', async (t) => {
  t.equal(describe('a'.repeat(80)), `'${'a'.repeat(80)}'`)
  t.equal(describe('a'.repeat(81)), `'${'a'.repeat(80)}…'`)
  t.equal(describe([1, 2, 3, 4, 5]), '[1, 2, 3, 4, 5]')
  t.equal(describe([1, 2, 3, 4, 5, 6]), '[1, 2, 3, 4, 5, …]')
  t.equal(describe(null), 'null')
  t.equal(describe({}), 'an object')
})

test('a typo within two edits is suggested, at either end of the name; a name further off lists the fields', async (t) => {
  t.match(refused({ maxAgexx: 1 }), "unknown field 'maxAgexx'; did you mean 'maxAge'?")
  t.match(refused({ xxaxAge: 1 }), "did you mean 'maxAge'?")
  t.match(refused({ CREDENTIALS: true }), "did you mean 'credentials'?")
  // Two edits from 'maxAg', three from 'maxAge' (a distance that skipped the last letter would suggest it).
  t.match(refused({ zzxag: 1 }), "unknown field 'zzxag'; known fields: origin, credentials")
})

test('a policy that is not an object is refused; only a function gets the delegator hint', async (t) => {
  t.match(refused(null), 'expected an object of policy fields, received null')
  t.equal(refused('*'), "fastify-cors-policy: registration at /: expected an object of policy fields, received '*'")
  t.match(refused(() => ({})), 'see `delegator`')
  t.match(refused({ delegator: () => {} }), 'or decide the origin per request with an origin function (origin, request) => boolean')
})

test("@fastify/cors list strings: empty items are dropped; 'auto' and '*' keep their meaning", async (t) => {
  t.equal(refused({ allowedHeaders: 'X-A, X-B,', methods: 'GET, ,PUT' }), null)
  t.same(readPolicy({ methods: 'GET, ,PUT' }, 'r').methods, ['GET', 'PUT'])
  t.equal(readPolicy({ methods: 'auto' }, 'r').methods, 'auto')
  t.match(refused({ methods: '*' }), "field 'methods' must be an array of method names or 'auto', received '*'")
  const plain = /^https:\/\/a\.example\.com$/
  t.equal(stateless(plain), plain, 'a RegExp without g or y is used as given')
  t.not(stateless(/^https:\/\/a\.example\.com$/g), plain)
})

test('a report-only candidate holding its own candidate is refused, named as the candidate', async (t) => {
  t.match(refused({ reportOnly: { credentials: true, reportOnly: {} } }), "reportOnly: field 'reportOnly' cannot hold a candidate of its own")
  t.match(refused({ reportOnly: { maxAge: -1 } }), "reportOnly: field 'maxAge' must be")
})

test('plain-http origins with credentials are warned about unless they are loopback', async (t) => {
  const insecure = (origin: string) => insecureOrigins({ origin: [origin], credentials: true })
  for (const origin of ['http://localhost:3000', 'http://app.localhost', 'http://127.0.0.1', 'http://127.10.200.1:8080', 'http://127.0.0.100', 'http://[::1]:3000', 'http://*.localhost']) {
    t.same(insecure(origin), [], origin)
  }
  for (const origin of ['http://127.0.0.1.example.com', 'http://app.example.com', 'http://*.example.com']) t.same(insecure(origin), [origin], origin)
  t.same(insecureOrigins({ origin: ['http://app.example.com'] }), [], 'without credentials nothing is sent that needs TLS')
})

test('unsafe combinations are refused with the fix', async (t) => {
  const star = await refusal({ credentials: true })
  t.match(star.message, "list the origins you trust, e.g. origin: ['https://app.example.com'], or drop credentials")
  const exposed = await refusal({ origin: 'https://a.example.com', credentials: true, exposedHeaders: '*' })
  t.match(exposed.message, "reads '*' as a header literally named '*', exposing nothing; list the header names instead")
})

test('merging keeps only the fields set on either side', async (t) => {
  t.same(Object.keys(mergePolicy({ credentials: undefined, maxAge: 5 }, { origin: undefined, methods: ['GET'] })).sort(), ['maxAge', 'methods'])
})

test('callback-style origin functions are recognised by their parameters, however written', async (t) => {
  const E = 'https://a.example.com'
  // eslint-disable-next-line no-new-func -- the spacing of the source is what is tested
  const spaced = ['async  function  named  ( origin ,  done )', 'function\tnamed(origin, next)', 'async (origin, cb)'].map((head) => new Function(`return ${head} ${head.includes('function') ? '' : '=>'} { (${head.includes('done') ? 'done' : head.includes('next') ? 'next' : 'cb'})(null, origin === '${E}') }`)())
  for (const origin of spaced) {
    const app = await build({ origin }, (app) => app.get('/', ok))
    t.equal((await app.inject({ url: '/', headers: { origin: E } })).headers['access-control-allow-origin'], E, String(origin).slice(0, 40))
  }
  // An (origin, request) function whose body mentions (x, cb) is not taken for a callback one.
  const plain = (origin: string, _request: unknown) => { const pick = (x: unknown, cb: unknown) => cb ?? x; return pick(origin === E, undefined) as boolean }
  const app = await build({ origin: plain as never, originTimeout: 2000 }, (app) => app.get('/', ok))
  t.equal((await app.inject({ url: '/', headers: { origin: E } })).headers['access-control-allow-origin'], E)
})

test('a callback-style function: its error is logged as its own; an async one may call back later', async (t) => {
  const log = logCapture()
  const failing = await build({ origin: ((_o: string, cb: (e: Error) => void) => cb(new Error('lookup failed'))) as never }, (app) => app.get('/', ok),
    { logger: { level: 'debug', stream: log.stream } })
  await failing.inject({ url: '/', headers: { origin: 'https://a.example.com' } })
  t.ok(log.lines.some((l) => /lookup failed/.test(String((l.err as { message?: string } | undefined)?.message))), 'the callback error is logged')
  const later = async (o: string, done: (e: null, ok: boolean) => void) => { setTimeout(() => done(null, o === 'https://a.example.com'), 5) }
  const app = await build({ origin: later as never }, (app) => app.get('/', ok))
  t.equal((await app.inject({ url: '/', headers: { origin: 'https://a.example.com' } })).headers['access-control-allow-origin'], 'https://a.example.com')
})

test('the published schemas accept what the plugin accepts and refuse unknown fields', async (t) => {
  const set = new OriginSet(['https://a.example.com'])
  for (const origin of ['*', true, 'https://a.example.com', /^https:\/\/a\.example\.com$/, set, ['https://a.example.com', /^x$/, set], (o: string) => o === 'x']) {
    t.ok(Value.Check(OriginSchema, origin), String(origin))
  }
  for (const origin of [42, {}, [42], null]) t.notOk(Value.Check(OriginSchema, origin), String(origin))
  t.ok(Value.Check(CorsPolicySchema, { crossOriginWrites: 'refuse', reportOnly: { origin: 'https://a.example.com' } }))
  t.notOk(Value.Check(CorsPolicySchema, { crossOriginWrites: 'deny' }))
  t.notOk(Value.Check(CorsPolicySchema, { orign: '*' }), 'a typo in a policy')
  t.notOk(Value.Check(CorsPolicySchema, { reportOnly: { orign: '*' } }), 'a typo in a candidate')
  t.notOk(Value.Check(RegistrationSchema, { logLevl: 'debug' }), 'a typo in a registration option')
  t.notOk(Value.Check(CorsOptionsSchema, { orign: '*' }))
  t.ok(Value.Check(CorsOptionsSchema, { origin: 'https://a.example.com', logLevel: 'silent', report: true }))
  t.ok(Value.Check(RouteCorsSchema, false))
  t.notOk(Value.Check(RouteCorsSchema, true))
})

test('registration options are read as such unless a route policy is asked for', async (t) => {
  t.equal(refused({ preflight: false, logLevel: 'silent' }), null)
  t.same(readPolicy({ preflight: false }, 'r'), { preflight: false })
  t.match(refused({ preflight: false }, true), "'preflight' is an option of the registration, not of a route policy")
})

test('a callback-style function is adapted once, so routes that share it share one matcher', async (t) => {
  const fn = (_o: string, cb: (e: null, ok: boolean) => void) => cb(null, true)
  t.equal(readPolicy({ origin: fn as never }, 'a').origin, readPolicy({ origin: fn as never }, 'b').origin)
})

test('only RegExps that may open a public suffix, and subdomain patterns, reach the Public Suffix List', async (t) => {
  // Most policies have none: the list is then never loaded.
  t.same(suffixEntries({ origin: ['https://a.example.com', /^https:\/\/a\.example\.com$/, /example/] }), [])
  t.same(suffixEntries({ origin: ['https://*.example.com'] }), [{ origin: 'https://*.example.com', patterns: ['https://*.example.com'] }])
  t.same(regExpsOf({ origin: [/^https:\/\/a\.example\.com$/, /example/, 'https://a.example.com'] }), [/^https:\/\/a\.example\.com$/], 'an ill-shaped RegExp is refused for its shape, not analysed')
})

test('a pattern over a public suffix with credentials: the refusal says why and what to write', async (t) => {
  const err = await refusal({ origin: 'https://*.github.io', credentials: true })
  t.match(err.message, "origin pattern 'https://*.github.io' with credentials: true is refused: it covers a whole public suffix " +
    "(Public Suffix List), where anyone can register a name and act as your users from it; name your own domain, e.g. 'https://*.example.com', or list the origins")
})

test('compiled policies: an empty exposedHeaders list sends none; routes inheriting a list share its compiled form', async (t) => {
  const app = await build({ exposedHeaders: [] }, (app) => app.get('/', ok))
  t.equal((await app.inject({ url: '/', headers: { origin: 'https://a.example.com' } })).headers['access-control-expose-headers'], undefined)
  const allowedHeaders = ['X-Token']
  const one = compilePolicy({ allowedHeaders }, 'a', new Map())
  const two = compilePolicy({ allowedHeaders, credentials: false }, 'b', new Map())
  t.ok(one !== false && two !== false && one.allowHeaderList === two.allowHeaderList && one.allowHeaderList !== null)
})

test('the schemas describe the instances TypeBox has no kind for', async (t) => {
  t.match(JSON.stringify(OriginSchema), '"description":"a RegExp"')
  t.match(JSON.stringify(OriginSchema), '"description":"an OriginSet"')
})

test('a subdomain pattern under the app\'s own domain, with credentials, starts without a warning', async (t) => {
  const log = logCapture()
  await build({ origin: 'https://*.example.com', credentials: true }, (app) => app.get('/', ok), { logger: { level: 'warn', stream: log.stream } })
  t.same(log.lines.filter((l) => l.level === 40), [])
})
