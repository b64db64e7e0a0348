import { test } from 'tap'
import Fastify from 'fastify'
import cors from '../../lib/index.js'
import { build, ok, preflight, refusal } from '../helpers.js'

async function routeRefusal (route: Record<string, unknown>, global: Record<string, unknown> = {}): Promise<Error & { code?: string }> {
  const app = Fastify()
  await app.register(cors, global)
  try {
    app.route({ method: 'PUT', url: '/users/:id', handler: ok, ...route } as never)
    await app.ready()
  } catch (err) {
    return err as Error & { code?: string }
  }
  throw new Error('route was not refused')
}

test('global options: wrong types name the field, the expected type and the value', async (t) => {
  const cases: Array<[unknown, RegExp]> = [
    [{ credentials: 'yes' }, /registration at \/: field 'credentials' must be a boolean, received 'yes'/],
    [{ maxAge: -1 }, /field 'maxAge' must be a whole number of seconds, 0 or more, received -1/],
    [{ maxAge: 1.5 }, /field 'maxAge'.*received 1\.5/],
    [{ methods: 42 }, /field 'methods' must be an array of method names or 'auto', received 42/],
    [{ allowedHeaders: true }, /field 'allowedHeaders'/],
    [{ exposedHeaders: [1] }, /field 'exposedHeaders'.*received \[1\]/],
    [{ origin: 42 }, /field 'origin' must be '\*', an origin string, a RegExp/],
    [{ origin: [true] }, /field 'origin'.*received \[true\]/],
    [{ privateNetwork: 1 }, /field 'privateNetwork' must be a boolean/]
  ]
  for (const [options, message] of cases) {
    const err = await refusal(options)
    t.equal(err.code, 'FST_CORS_INVALID_OPTION', JSON.stringify(options))
    t.match(err.message, message)
  }
})

test('unknown fields are refused with a suggestion', async (t) => {
  let err = await refusal({ orgin: '*' })
  t.equal(err.code, 'FST_CORS_INVALID_OPTION')
  t.match(err.message, /unknown field 'orgin'; did you mean 'origin'\?/)
  err = await refusal({ Credentials: true })
  t.match(err.message, /did you mean 'credentials'\?/)
  err = await refusal({ bogus: 1 })
  t.match(err.message, /unknown field 'bogus'; known fields: origin, credentials, methods/)
})

test('options that are not an object are refused', async (t) => {
  for (const value of [[], 'x']) {
    const err = await refusal(value)
    t.equal(err.code, 'FST_CORS_INVALID_OPTION')
    t.match(err.message, /expected an object of policy fields/)
  }
})

test('allow-list origins must be what a browser sends, with the value to use instead', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['https://a.com/', /origin 'https:\/\/a\.com\/' is not what a browser sends.*use 'https:\/\/a\.com'/],
    ['https://a.com/app', /use 'https:\/\/a\.com'/],
    ['https://A.com', /use 'https:\/\/a\.com'/],
    ['https://a.com:443', /use 'https:\/\/a\.com'/],
    ['http://a.com:80', /use 'http:\/\/a\.com'/],
    ['https://u:p@a.com', /use 'https:\/\/a\.com'/],
    ['https://a.com?x=1', /use 'https:\/\/a\.com'/],
    ['a.com', /is not an origin; write it as scheme:\/\/host\[:port\]/],
    ['https://*a.com', /origin pattern 'https:\/\/\*a\.com' may have '\*' only as the whole leftmost label, followed by a dot; write 'https:\/\/\*\.example\.com'/],
    ['mailto:me', /has no host/]
  ]
  for (const [origin, message] of cases) {
    const err = await refusal({ origin: [origin] })
    t.equal(err.code, 'FST_CORS_INVALID_ORIGIN', origin)
    t.match(err.message, message, origin)
  }
  const single = await refusal({ origin: 'https://a.com/' })
  t.equal(single.code, 'FST_CORS_INVALID_ORIGIN')
  const empty = await refusal({ origin: [] })
  t.match(empty.message, /empty list, which allows no origin/)
})

test('valid origins of every shape are accepted', async (t) => {
  const app = await build({ origin: ['https://a.com', 'http://localhost:3000', 'chrome-extension://abcdef', 'null', /^https:\/\/b\.com$/], allowNullOrigin: true },
    (app) => app.get('/x', async () => 'x'))
  // Each shape is not only accepted but admitted.
  for (const origin of ['https://a.com', 'http://localhost:3000', 'chrome-extension://abcdef', 'null', 'https://b.com']) {
    t.equal((await app.inject({ url: '/x', headers: { origin } })).headers['access-control-allow-origin'], origin, origin)
  }
  t.equal((await app.inject({ url: '/x', headers: { origin: 'https://c.com' } })).headers['access-control-allow-origin'], undefined)
})

test('RegExps with the g or y flag match every request, as in @fastify/cors (a stateful test() would fail every other one)', async (t) => {
  for (const origin of [/^https:\/\/a\.com$/g, [/^https:\/\/a\.com$/y]]) {
    const app = await build({ origin }, (app) => app.get('/', ok))
    for (let i = 0; i < 3; i++) {
      t.equal((await app.inject({ url: '/', headers: { origin: 'https://a.com' } })).headers['access-control-allow-origin'], 'https://a.com')
    }
  }
})

test("a list holding '*' means '*', as in @fastify/cors; with credentials it is refused as '*' is", async (t) => {
  const app = await build({ origin: ['https://a.com', '*'] }, (app) => app.get('/', ok))
  t.equal((await app.inject({ url: '/', headers: { origin: 'https://b.com' } })).headers['access-control-allow-origin'], '*')
  t.equal((await refusal({ origin: ['https://a.com', '*'], credentials: true })).code, 'FST_CORS_UNSAFE_POLICY')
})

test('every problem of one registration is reported at once, one per line, with the most severe code', async (t) => {
  const err = await refusal({ orgin: 'https://a.com', maxAge: -1, methods: ['GET', '*'], origin: ['a.com', /x/], credentials: true, delegator: () => ({}) })
  t.equal(err.code, 'FST_CORS_UNSAFE_POLICY')
  const lines = err.message.split('\n')
  t.equal(lines[0], 'fastify-cors-policy: registration at /: 6 problems:')
  t.match(lines.slice(1), [
    /^ {2}- the @fastify\/cors option 'delegator' is not supported: .*give each route its own policy/i,
    /^ {2}- unknown field 'orgin'; did you mean 'origin'\?/,
    /^ {2}- field 'maxAge' must be a whole number of seconds/,
    /^ {2}- origin 'a\.com' is not an origin/,
    /^ {2}- origin \/x\/ is not anchored at both ends/,
    /^ {2}- field 'methods' contains '\*'/
  ])
})

test('methods and header names must be tokens; methods "*" points to auto', async (t) => {
  let err = await refusal({ methods: ['GET', '*'] })
  t.match(err.message, /contains '\*'; use methods: 'auto'/)
  err = await refusal({ methods: ['GET POST'] })
  t.match(err.message, /field 'methods' contains 'GET POST', which is not a valid HTTP method name/)
  err = await refusal({ allowedHeaders: ['x-ok', 'bad header'] })
  t.match(err.message, /field 'allowedHeaders' contains 'bad header', which is not a valid header name/)
  err = await refusal({ exposedHeaders: ['x:y'] })
  t.match(err.message, /field 'exposedHeaders' contains 'x:y'/)
})

test("origin '*' (or the default) with credentials is refused, saying how to fix it", async (t) => {
  for (const options of [{ credentials: true }, { origin: '*', credentials: true }]) {
    const err = await refusal(options)
    t.equal(err.code, 'FST_CORS_UNSAFE_POLICY')
    t.match(err.message, /registration at \/: origin '\*' with credentials: true is refused/)
    t.match(err.message, /list the origins you trust/)
  }
})

test("exposedHeaders '*' with credentials is refused", async (t) => {
  const err = await refusal({ origin: 'https://a.com', credentials: true, exposedHeaders: '*' })
  t.equal(err.code, 'FST_CORS_UNSAFE_POLICY')
  t.match(err.message, /exposedHeaders '\*' with credentials: true is refused/)
})

test('route policies: errors name the route and the field', async (t) => {
  let err = await routeRefusal({ cors: { orgin: 'https://a.com' } })
  t.equal(err.code, 'FST_CORS_INVALID_OPTION')
  t.match(err.message, /route PUT \/users\/:id: unknown field 'orgin'; did you mean 'origin'\?/)
  err = await routeRefusal({ cors: { credentials: 'yes' } })
  t.match(err.message, /route PUT \/users\/:id: field 'credentials' must be a boolean, received 'yes'/)
  err = await routeRefusal({ cors: 'yes' })
  t.match(err.message, /route PUT \/users\/:id: expected an object of policy fields, received 'yes'/)
  err = await routeRefusal({ config: { cors: { maxAge: -5 } } })
  t.match(err.message, /route PUT \/users\/:id: field 'maxAge'/)
  err = await routeRefusal({ cors: { origin: 'https://a.com/' } })
  t.equal(err.code, 'FST_CORS_INVALID_ORIGIN')
  t.match(err.message, /route PUT \/users\/:id: origin/)
})

test('a route adding credentials under a global wildcard is refused after merging', async (t) => {
  const err = await routeRefusal({ cors: { credentials: true } }, { origin: '*' })
  t.equal(err.code, 'FST_CORS_UNSAFE_POLICY')
  t.match(err.message, /route PUT \/users\/:id: origin '\*' with credentials/)
  const multi = await routeRefusal({ method: ['PUT', 'PATCH'], cors: { credentials: true } })
  t.match(multi.message, /route PUT,PATCH \/users\/:id/)
})

test('a route giving both cors and config.cors is refused', async (t) => {
  const err = await routeRefusal({ cors: { maxAge: 1 }, config: { cors: { maxAge: 2 } } })
  t.equal(err.code, 'FST_CORS_DUPLICATE_POLICY')
  t.match(err.message, /route PUT \/users\/:id: gives both `cors` and `config.cors`; keep one of them/)
})

test('received values are described safely in messages', async (t) => {
  const cases: Array<[unknown, RegExp]> = [
    [{ credentials: () => true }, /received a function/],
    [{ methods: /GET/ }, /received \/GET\//],
    [{ credentials: 'x'.repeat(100) }, /received 'x{80}…'/],
    [{ methods: [1, 2, 3, 4, 5, 6] }, /received \[1, 2, 3, 4, 5, …\]/],
    [{ credentials: {} }, /received an object/],
    [{ credentials: null }, /received null/]
  ]
  for (const [options, message] of cases) {
    t.match((await refusal(options)).message, message)
  }
})

test('a field with several schema errors is reported once', async (t) => {
  const err = await refusal({ maxAge: -1.5, credentials: 'x' })
  t.equal(err.message.split('\n').length, 3, err.message)
  t.match(err.message, /field 'maxAge' must be a whole number of seconds, 0 or more, received -1\.5/)
})

test("allowedHeaders: ['*'] means any header (not a header named '*'); exposedHeaders: ['*'] with credentials is refused", async (t) => {
  const app = await build({ allowedHeaders: ['*'] }, (app) => app.put('/', ok))
  const pre = await preflight(app, '/', 'https://a.com', 'PUT', { 'access-control-request-headers': 'x-any, content-type' })
  t.equal(pre.headers['access-control-allow-origin'], '*')
  t.equal(pre.headers['access-control-allow-headers'], 'x-any, content-type', 'the requested headers, echoed')
  const err = await refusal({ origin: ['https://a.com'], credentials: true, exposedHeaders: ['x-a', '*'] })
  t.equal(err.code, 'FST_CORS_UNSAFE_POLICY')
  t.match(err.message, /exposedHeaders '\*' with credentials: true is refused/)
})

test('the lint: forbidden methods and request headers, Set-Cookie exposed, Access-Control-* names, origins no browser sends; all at once', async (t) => {
  const err = await refusal({
    methods: ['GET', 'TRACE', 'connect'],
    allowedHeaders: ['content-type', 'Cookie', 'Sec-Fetch-Mode', 'proxy-authorization', 'Access-Control-Allow-Origin'],
    exposedHeaders: ['x-total', 'Set-Cookie', 'access-control-max-age'],
    origin: ['https://a.com:0', 'https://a..com', 'file:///etc/passwd', 'https://ok.com.']
  })
  const lines = err.message.split('\n').slice(1)
  t.equal(lines.length, 11, err.message)
  t.match(err.message, /origin 'https:\/\/a\.com:0' has port 0, which no browser sends/)
  t.match(err.message, /origin 'https:\/\/a\.\.com' has an empty host label/)
  t.match(err.message, /origin 'file:\/\/\/etc\/passwd': pages loaded from file: send `Origin: null`/)
  t.match(err.message, /field 'methods' contains 'TRACE', a method the Fetch standard forbids pages to send/)
  t.match(err.message, /field 'methods' contains 'connect'/)
  for (const name of ['Cookie', 'Sec-Fetch-Mode', 'proxy-authorization']) {
    t.match(err.message, new RegExp(`field 'allowedHeaders' contains '${name}', a header the browser sets itself`))
  }
  t.match(err.message, /field 'allowedHeaders' contains 'Access-Control-Allow-Origin': Access-Control-\* headers are the CORS protocol's own/)
  t.match(err.message, /field 'exposedHeaders' contains 'Set-Cookie', which browsers never expose to pages/)
  t.match(err.message, /field 'exposedHeaders' contains 'access-control-max-age'/)
})

test('maxAge above what an engine keeps is accepted with one warning where it is declared, naming each cap', async (t) => {
  const lines: Array<Record<string, unknown>> = []
  await build({ maxAge: 86401 }, (app) => {
    app.get('/', { cors: { maxAge: 600 } }, ok)
    app.get('/inherits', ok)
    app.get('/hour', { cors: { maxAge: 3600 } }, ok)
  }, { logger: { level: 'warn', stream: { write: (s: string) => { lines.push(JSON.parse(s)) } } } })
  t.same(lines.map((l) => l.msg), [
    'fastify-cors-policy: registration at /: maxAge 86401: Chromium (Chrome, Edge) keeps a preflight 7200 s at most, Firefox keeps a preflight 86400 s at most, ' +
      'Safari (WebKit) keeps a preflight 600 s at most, then preflights again',
    'fastify-cors-policy: route GET /hour: maxAge 3600: Safari (WebKit) keeps a preflight 600 s at most, then preflights again'
  ])
})
