import { test } from 'tap'
import Fastify, { type FastifyServerOptions } from 'fastify'
import cors from '../../lib/index.js'
import { build, corsHeaders, ok, preflight, refusedForCause } from '../helpers.js'

const A = 'https://a.com'
const B = 'https://b.com'

test('a preflight is answered with the policy of the route it asks about', async (t) => {
  const app = await build({ origin: A }, (app) => {
    app.get('/items/:id', ok)
    app.put('/items/:id', { cors: { origin: [A, B], credentials: true, maxAge: 600, allowedHeaders: ['Content-Type', 'X-Token'] } }, ok)
    app.delete('/items/:id', { cors: false }, ok)
  })
  const put = await preflight(app, '/items/7', B, 'PUT', { 'access-control-request-headers': 'content-type,x-token' })
  t.equal(put.statusCode, 204)
  t.equal(put.body, '')
  t.equal(put.headers['access-control-allow-origin'], B)
  t.equal(put.headers['access-control-allow-credentials'], 'true')
  t.equal(put.headers['access-control-allow-headers'], 'Content-Type, X-Token')
  t.equal(put.headers['access-control-max-age'], '600')
  t.match(put.headers.vary, /^Origin, Access-Control-Request-Method, Access-Control-Request-Headers/)
  const get = await preflight(app, '/items/7', A, 'GET', { 'access-control-request-headers': 'x-anything' })
  t.equal(get.headers['access-control-allow-origin'], A)
  t.equal(get.headers['access-control-allow-headers'], 'x-anything', 'the global default echoes requested headers')
  t.notOk(get.headers['access-control-max-age'])
  t.notOk(get.headers['access-control-allow-credentials'])
  const getFromB = await preflight(app, '/items/7', B, 'GET')
  t.equal(getFromB.statusCode, 204)
  t.same(corsHeaders(getFromB.headers), [], 'B is allowed on PUT only')
  const del = await preflight(app, '/items/7', A, 'DELETE')
  t.same(corsHeaders(del.headers), [], 'CORS is off for DELETE')
  t.ok(del.headers.vary, 'a denied preflight still varies')
})

test("methods: 'auto' lists the path's methods whose policy admits the origin", async (t) => {
  const app = await build({ origin: [A, B] }, (app) => {
    app.get('/r', ok)
    app.post('/r', ok)
    app.put('/r', { cors: { origin: A } }, ok)
    app.delete('/r', { cors: { origin: async (o) => o === A } }, ok)
    app.patch('/r', { cors: { origin: B, maxAge: 5 } }, ok)
    app.route({ method: 'OPTIONS', url: '/other', handler: ok })
  })
  const fromA = await preflight(app, '/r', A, 'PUT')
  t.equal(fromA.headers['access-control-allow-methods'], 'GET, HEAD, POST, PUT, DELETE')
  const fromB = await preflight(app, '/r', B, 'POST')
  t.equal(fromB.headers['access-control-allow-methods'], 'GET, HEAD, POST, PATCH')
  const patch = await preflight(app, '/r', B, 'PATCH')
  t.equal(patch.headers['access-control-allow-methods'], 'GET, HEAD, POST, PATCH')
  t.equal(patch.headers['access-control-max-age'], '5')
  const del = await preflight(app, '/r', A, 'DELETE')
  t.equal(del.headers['access-control-allow-methods'], 'GET, HEAD, POST, PUT, DELETE')
})

test('auto methods with one shared policy, and routes declared with a method array', async (t) => {
  const app = await build({}, (app) => app.route({ method: ['GET', 'PUT', 'DELETE'], url: '/m', handler: ok }))
  const res = await preflight(app, '/m', A, 'DELETE')
  t.equal(res.headers['access-control-allow-origin'], '*')
  t.equal(res.headers['access-control-allow-methods'], 'GET, PUT, DELETE, HEAD')
  t.notOk(/Origin/.test(String(res.headers.vary)), 'a public path does not vary on Origin')
})

test('explicit methods: sent as given (uppercased); a method outside them is denied unless safelisted', async (t) => {
  const app = await build({ methods: ['get', 'PUT'] }, (app) => {
    app.put('/x', ok)
    app.delete('/x', ok)
    app.post('/x', ok)
  })
  const put = await preflight(app, '/x', A, 'PUT')
  t.equal(put.headers['access-control-allow-methods'], 'GET, PUT')
  const del = await preflight(app, '/x', A, 'DELETE')
  t.ok(refusedForCause(del.headers, '*'), 'refused, with the allowed methods so the browser names the method')
  t.equal(del.headers['access-control-allow-methods'], 'GET, PUT')
  const post = await preflight(app, '/x', A, 'POST', { 'access-control-request-headers': 'x-a' })
  t.equal(post.headers['access-control-allow-origin'], '*', 'POST is safelisted by the Fetch standard')
})

test('a method with no route on the path, or in the wrong case, is denied', async (t) => {
  const app = await build({}, (app) => app.get('/x', ok))
  for (const method of ['PUT', 'get', 'CONNECT', 'TRACE', 'X Y']) {
    const res = await preflight(app, '/x', A, method)
    t.equal(res.statusCode, 204, method)
    t.same(corsHeaders(res.headers), [], method)
  }
})

test('allowedHeaders: a list denies other headers case-insensitively; default and "*" echo', async (t) => {
  const app = await build({ allowedHeaders: ['Content-Type', 'Authorization'] }, (app) => {
    app.put('/list', ok)
    app.put('/star', { cors: { allowedHeaders: '*' } }, ok)
    app.put('/echo', { cors: { allowedHeaders: undefined } }, ok)
    app.put('/cred', { cors: { origin: A, credentials: true, allowedHeaders: '*' } }, ok)
  })
  const okList = await preflight(app, '/list', A, 'PUT', { 'access-control-request-headers': 'AUTHORIZATION, content-type' })
  t.equal(okList.headers['access-control-allow-headers'], 'Content-Type, Authorization')
  const bad = await preflight(app, '/list', A, 'PUT', { 'access-control-request-headers': 'content-type,x-foo' })
  t.ok(refusedForCause(bad.headers, '*'))
  t.equal(bad.headers['access-control-allow-headers'], 'Content-Type, Authorization', 'the allowed list, without x-foo')
  const star = await preflight(app, '/star', A, 'PUT', { 'access-control-request-headers': ' X-One ,,x-two, x-one ' })
  t.equal(star.headers['access-control-allow-headers'], 'x-one, x-two', 'trimmed, lowercased, no empties or duplicates')
  const echo = await preflight(app, '/echo', A, 'PUT', { 'access-control-request-headers': 'authorization' })
  t.equal(echo.headers['access-control-allow-headers'], 'Content-Type, Authorization', 'undefined inherits the global list')
  const cred = await preflight(app, '/cred', A, 'PUT', { 'access-control-request-headers': 'authorization,x-a' })
  t.equal(cred.headers['access-control-allow-headers'], 'authorization, x-a', "'*' with credentials echoes, never sends '*'")
  t.equal(cred.headers['access-control-allow-origin'], A)
  const none = await preflight(app, '/star', A, 'PUT')
  t.notOk(none.headers['access-control-allow-headers'], 'nothing asked, nothing sent')
})

test('requested headers get the same answer when a value repeats, and past the bounds of the answers kept', async (t) => {
  const app = await build({ origin: A, allowedHeaders: ['Content-Type', 'Authorization'] }, (app) => {
    app.put('/list', ok)
    app.put('/echo', { cors: { allowedHeaders: '*' } }, ok)
  })
  const ask = (url: string, value: string) => preflight(app, url, A, 'PUT', { 'access-control-request-headers': value })
  for (let i = 0; i < 2; i++) {
    t.equal((await ask('/list', 'authorization')).headers['access-control-allow-origin'], A, `allowed, time ${i + 1}`)
    t.ok(refusedForCause((await ask('/list', 'content-type,x-foo')).headers, A), `refused, time ${i + 1}`)
    t.equal((await ask('/echo', ' X-One ,x-two')).headers['access-control-allow-headers'], 'x-one, x-two', `echoed, time ${i + 1}`)
  }
  // More distinct values than are kept: each is still answered on its own.
  for (let i = 0; i < 70; i++) {
    t.ok(refusedForCause((await ask('/list', `x-h${i}`)).headers, A), `x-h${i} refused`)
    t.equal((await ask('/echo', `X-E${i}`)).headers['access-control-allow-headers'], `x-e${i}`)
  }
  t.equal((await ask('/list', 'Authorization, Content-Type')).headers['access-control-allow-origin'], A, 'a new allowed value after the rest')
  t.ok(refusedForCause((await ask('/list', 'content-type, x-late')).headers, A), 'a new refused value after the rest')
  // Values longer than the kept ones: answered every time.
  const long = Array(40).fill('content-type').join(', ')
  for (let i = 0; i < 2; i++) {
    t.equal((await ask('/list', long)).headers['access-control-allow-origin'], A, `long allowed, time ${i + 1}`)
    t.ok(refusedForCause((await ask('/list', long + ', x-foo')).headers, A), `long refused, time ${i + 1}`)
    t.equal((await ask('/echo', long)).headers['access-control-allow-headers'], 'content-type', `long echoed, time ${i + 1}`)
  }
})

test('private network access is answered only when the policy allows it', async (t) => {
  const app = await build({}, (app) => {
    app.get('/lan', { cors: { privateNetwork: true } }, ok)
    app.get('/no', ok)
  })
  const pna = { 'access-control-request-private-network': 'true' }
  const yes = await preflight(app, '/lan', A, 'GET', pna)
  t.equal(yes.headers['access-control-allow-private-network'], 'true')
  t.equal(yes.headers['access-control-allow-origin'], '*')
  const plain = await preflight(app, '/lan', A, 'GET')
  t.notOk(plain.headers['access-control-allow-private-network'])
  const no = await preflight(app, '/no', A, 'GET', pna)
  t.ok(refusedForCause(no.headers, '*'), 'refused: no Access-Control-Allow-Private-Network')
})

test('preflights with function origins: allowed, denied, throwing', async (t) => {
  const app = await build({ origin: async (o) => { if (o === 'https://boom.com') throw new Error('x'); return o === A } }, (app) => app.put('/f', ok))
  t.equal((await preflight(app, '/f', A, 'PUT')).headers['access-control-allow-origin'], A)
  t.same(corsHeaders((await preflight(app, '/f', B, 'PUT')).headers), [])
  const boom = await preflight(app, '/f', 'https://boom.com', 'PUT')
  t.equal(boom.statusCode, 204)
  t.same(corsHeaders(boom.headers), [])
  const sync = await build({ origin: (o) => o === A }, (app) => app.put('/f', ok))
  t.equal((await preflight(sync, '/f', A, 'PUT')).headers['access-control-allow-origin'], A)
})

test('an OPTIONS request that is not a preflight is not answered by the plugin', async (t) => {
  const app = await build({}, (app) => app.get('/x', ok))
  const noMethod = await app.inject({ method: 'OPTIONS', url: '/x', headers: { origin: A } })
  t.equal(noMethod.statusCode, 404)
  const noOrigin = await app.inject({ method: 'OPTIONS', url: '/x', headers: { 'access-control-request-method': 'GET' } })
  t.equal(noOrigin.statusCode, 404)
})

test("the app's own OPTIONS route wins, declared before or after the other routes", async (t) => {
  const app = await build({}, (app) => {
    app.options('/before', async () => 'app-before')
    app.get('/before', ok)
    app.get('/after', ok)
    app.options('/after', async (req, reply) => { reply.header('x-app', '1'); return 'app-after' })
    app.get('/plain', ok)
  })
  for (const url of ['/before', '/after']) {
    const pre = await preflight(app, url, A, 'GET')
    t.equal(pre.statusCode, 200, url)
    t.equal(pre.body, 'app-' + url.slice(1), url)
    const plain = await app.inject({ method: 'OPTIONS', url })
    t.equal(plain.body, 'app-' + url.slice(1), url)
  }
  t.equal((await preflight(app, '/plain', A, 'GET')).statusCode, 204)
})

test("the app's own OPTIONS route answers with its own policy's headers", async (t) => {
  const app = await build({ origin: A }, (app) => {
    app.options('/own', { cors: { origin: B } }, async () => 'mine')
    app.options('/global', async () => 'mine')
  })
  t.equal((await preflight(app, '/own', B, 'GET')).headers['access-control-allow-origin'], B)
  t.same(corsHeaders((await preflight(app, '/own', A, 'GET')).headers), [])
  t.equal((await preflight(app, '/global', A, 'GET')).headers['access-control-allow-origin'], A)
})

test('a catch-all OPTIONS route does not collide; it keeps answering non-preflights', async (t) => {
  const app = await build({}, (app) => {
    app.options('*', async () => 'catch-all')
    app.get('/x', ok)
    app.get('/y', ok)
  })
  const pre = await preflight(app, '/x', A, 'GET')
  t.equal(pre.statusCode, 204)
  t.equal(pre.headers['access-control-allow-origin'], '*')
  t.equal((await app.inject({ method: 'OPTIONS', url: '/x' })).body, 'catch-all')
  t.equal((await app.inject({ method: 'OPTIONS', url: '/elsewhere', headers: { origin: A, 'access-control-request-method': 'GET' } })).body, 'catch-all')
})

test('paths with RegExp parameters, several parameters in a segment, or a root wildcard are found too', async (t) => {
  const app = await build({}, (app) => {
    app.get('*', ok)
    app.get('/n/:id', ok)
    app.get('/d/:id(\\d+)', ok)
    app.put('/d/:n(\\d+)', { cors: { origin: A } }, ok)
    app.get('/f/:name-:ext', ok)
  })
  t.equal((await preflight(app, '/d/12', A, 'PUT')).headers['access-control-allow-origin'], A, 'one path, two parameter names')
  t.equal((await preflight(app, '/d/12', A, 'PUT')).headers['access-control-allow-methods'], 'GET, HEAD, PUT')
  t.equal((await preflight(app, '/f/a-b', B, 'GET')).statusCode, 204)
  t.equal((await preflight(app, '/n/7', B, 'GET')).statusCode, 204)
  t.equal((await preflight(app, '/anything/else', B, 'GET')).headers['access-control-allow-methods'], 'GET, HEAD', 'the root wildcard')
  // Each route still answers its own requests with its own policy.
  t.equal((await app.inject({ method: 'PUT', url: '/d/12', headers: { origin: A } })).headers['access-control-allow-origin'], A)
  t.same(corsHeaders((await app.inject({ method: 'PUT', url: '/d/12', headers: { origin: B } })).headers), [])
  t.equal((await app.inject({ url: '/d/12', headers: { origin: B } })).headers['access-control-allow-origin'], '*')
})

test('equal RegExp-parameter paths with one method under two versions: preflights take the first, requests their own', async (t) => {
  const app = await build({}, (app) => {
    app.get('/e/:id(\\d+)', { constraints: { version: '1.0.0' }, cors: { origin: A } }, ok)
    app.get('/e/:n(\\d+)', { constraints: { version: '2.0.0' }, cors: { origin: B } }, ok)
  })
  t.equal((await preflight(app, '/e/1', A, 'GET')).headers['access-control-allow-origin'], A)
  t.equal((await preflight(app, '/e/1', A, 'GET')).headers['access-control-allow-methods'], 'GET, HEAD')
  t.equal((await app.inject({ url: '/e/1', headers: { origin: B, 'accept-version': '2.0.0' } })).headers['access-control-allow-origin'], B)
  t.same(corsHeaders((await app.inject({ url: '/e/1', headers: { origin: A, 'accept-version': '2.0.0' } })).headers), [])
  t.equal((await app.inject({ url: '/e/1', headers: { origin: A, 'accept-version': '1.0.0' } })).headers['access-control-allow-origin'], A)
})

test('routes with different parameter names share one preflight route', async (t) => {
  const app = await build({}, (app) => {
    app.get('/u/:id', ok)
    app.put('/u/:userId', { cors: { origin: A } }, ok)
  })
  const res = await preflight(app, '/u/1', A, 'PUT')
  t.equal(res.headers['access-control-allow-origin'], A)
  t.equal(res.headers['access-control-allow-methods'], 'GET, HEAD, PUT')
})

test('wildcard and root paths get preflight routes', async (t) => {
  const app = await build({}, (app) => {
    app.get('/', ok)
    app.put('/files/*', ok)
  })
  t.equal((await preflight(app, '/', A, 'GET')).statusCode, 204)
  t.equal((await preflight(app, '/files/a/b', A, 'PUT')).headers['access-control-allow-methods'], 'PUT')
})

test('version-constrained routes on one path keep the first policy for the method', async (t) => {
  const app = await build({}, (app) => {
    app.get('/v', { constraints: { version: '1.0.0' }, cors: { origin: A } }, ok)
    app.get('/v', { constraints: { version: '2.0.0' }, cors: { origin: B } }, ok)
  })
  t.equal((await preflight(app, '/v', A, 'GET')).headers['access-control-allow-origin'], A)
  // Actual responses are per route: each version answers with its own policy.
  const v2 = await app.inject({ url: '/v', headers: { origin: B, 'accept-version': '2.0.0' } })
  t.equal(v2.headers['access-control-allow-origin'], B)
  const v2A = await app.inject({ url: '/v', headers: { origin: A, 'accept-version': '2.0.0' } })
  t.same(corsHeaders(v2A.headers), [], "version 2 does not take version 1's policy")
  const v1 = await app.inject({ url: '/v', headers: { origin: A, 'accept-version': '1.0.0' } })
  t.equal(v1.headers['access-control-allow-origin'], A)
})

test('an unconstrained route declared after a constrained one on its path keeps its own policy', async (t) => {
  const app = await build({ origin: A }, (app) => {
    app.get('/w', { constraints: { version: '1.0.0' }, cors: false }, ok)
    app.get('/w', { cors: { origin: B } }, ok)
  })
  t.equal((await app.inject({ url: '/w', headers: { origin: B } })).headers['access-control-allow-origin'], B)
  t.same(corsHeaders((await app.inject({ url: '/w', headers: { origin: B, 'accept-version': '1.0.0' } })).headers), [])
})

test('the preflight routes are one hidden catch-all per registration', async (t) => {
  const app = Fastify()
  const seen: string[] = []
  app.addHook('onRoute', (r) => { if (r.method === 'OPTIONS') seen.push(`${String(r.schema?.hide)} ${r.url}`) })
  await app.register(cors)
  app.get('/x', ok)
  app.get('/y', ok)
  await app.register(async (api) => {
    await api.register(cors)
    api.get('/z', ok)
  }, { prefix: '/api' })
  await app.ready()
  t.same(seen, ['true /*', 'true /api/*', 'true /api'])
  t.equal((await app.inject({ method: 'HEAD', url: '/x' })).statusCode, 200)
})

test('regression: an auth hook added after the plugin does not answer preflights with 401', async (t) => {
  const app = Fastify()
  await app.register(cors, { origin: A, credentials: true })
  app.addHook('onRequest', async (req, reply) => {
    if (req.headers.authorization !== 'Bearer ok') return reply.code(401).send({ error: 'auth' })
  })
  app.get('/me', ok)
  await app.register(async (child) => {
    child.addHook('onRequest', async (req, reply) => reply.code(403).send('child auth'))
    child.put('/item', ok)
  }, { prefix: '/v1' })
  await app.ready()
  const pre = await preflight(app, '/me', A, 'GET', { 'access-control-request-headers': 'authorization' })
  t.equal(pre.statusCode, 204)
  t.equal(pre.headers['access-control-allow-origin'], A)
  t.equal(pre.headers['access-control-allow-headers'], 'authorization')
  const child = await preflight(app, '/v1/item', A, 'PUT')
  t.equal(child.statusCode, 204)
  t.equal(child.headers['access-control-allow-origin'], A)
  const actual = await app.inject({ url: '/me', headers: { origin: A } })
  t.equal(actual.statusCode, 401, 'the actual request is still authenticated')
  t.equal(actual.headers['access-control-allow-origin'], A, '...and its 401 is readable')
})

test("preflight path matching follows Fastify's router options", async (t) => {
  const app = await build({}, (app) => app.get('/x', ok), { ignoreTrailingSlash: true, caseSensitive: false })
  t.equal((await preflight(app, '/x/', A, 'GET')).statusCode, 204)
  t.equal((await preflight(app, '/X', A, 'GET')).statusCode, 204)
  const strict = await build({}, (app) => app.get('/x', ok))
  t.equal((await preflight(strict, '/x/', A, 'GET')).statusCode, 404, 'no route /x/, as for every other method')
  t.equal((await preflight(strict, '/x?a=1', A, 'GET')).statusCode, 204, 'the query string is not part of the path')
})

test('router options given as routerOptions, top-level, or both: a preflight is answered exactly when its request routes', async (t) => {
  const configs: FastifyServerOptions[] = [
    { routerOptions: { caseSensitive: false, ignoreTrailingSlash: true } },
    { routerOptions: { ignoreDuplicateSlashes: true } },
    { routerOptions: { caseSensitive: false }, ignoreTrailingSlash: true },
    { routerOptions: { useSemicolonDelimiter: true, maxParamLength: 5 } },
    {}
  ]
  const targets = ['/Items/a', '/items/a/', '/items//a', '/items/a;v=1', '/items/%61', '/users/7/', '/USERS/7', '/items/A', '/users/123456']
  for (const config of configs) {
    const app = await build({}, (app) => {
      app.put('/items/a', ok)
      app.put('/users/:id', ok)
    }, config)
    for (const url of targets) {
      const routed = (await app.inject({ method: 'PUT', url })).statusCode === 200
      const res = await preflight(app, url, A, 'PUT')
      t.equal(res.headers['access-control-allow-origin'] === '*', routed, `${JSON.stringify(config)} ${url}: routed ${routed}`)
    }
  }
})

test("regression (found by the property test): methods: 'auto' given as a string stays 'auto'", async (t) => {
  // fast-check counterexample: { global: { methods: 'auto' } }, PATCH from https://a.com was refused
  // after the @fastify/cors mapping split 'auto' into the method list ['auto'].
  const app = await build({ methods: 'auto' }, (app) => {
    app.get('/r', ok)
    app.patch('/r', ok)
  })
  const res = await preflight(app, '/r', 'https://a.com', 'PATCH')
  t.equal(res.headers['access-control-allow-methods'], 'GET, HEAD, PATCH')
  const star = await build({ allowedHeaders: '*', exposedHeaders: '*' }, (app) => app.put('/r', ok))
  t.equal((await preflight(star, '/r', 'https://a.com', 'PUT', { 'access-control-request-headers': 'x-a' })).headers['access-control-allow-headers'], 'x-a')
})

test("auto methods never let the browser's preflight cache widen another route's policy", async (t) => {
  // Fetch: cached methods and header names are matched independently for max-age. Listing DELETE
  // in a credentialed answer would let a credentialed DELETE go without its own preflight.
  const { cacheCovers, cacheEntry } = await import('../../lib/browser/fetch-model.js')
  const A = 'https://a.com'
  const app = await build({ origin: [A], maxAge: 600 }, (app) => {
    app.put('/doc', { cors: { credentials: true, allowedHeaders: ['content-type', 'x-token'] } }, ok)
    app.delete('/doc', ok) // no credentials, echoes headers
    app.patch('/doc', { cors: { credentials: true, allowedHeaders: ['content-type'] } }, ok) // narrower list
    app.post('/doc', { cors: { credentials: true, allowedHeaders: ['content-type', 'x-token'] } }, ok) // same answer as PUT
  })
  const put = await preflight(app, '/doc', A, 'PUT', { 'access-control-request-headers': 'x-token' })
  t.equal(put.headers['access-control-allow-methods'], 'PUT, POST')
  const entry = cacheEntry({ method: 'PUT', origin: A, credentials: true }, put.headers)
  t.equal(cacheCovers(entry, { method: 'DELETE', origin: A, credentials: true }), false, 'a credentialed DELETE still needs its own preflight')
  t.equal(cacheCovers(entry, { method: 'PATCH', origin: A, credentials: true, headers: { 'x-token': '1' } }), false)
  const del = await preflight(app, '/doc', A, 'DELETE', { 'access-control-request-headers': 'x-any' })
  t.equal(del.headers['access-control-allow-methods'], 'DELETE', 'an echoed x-any would be cached for routes that refuse it')
  const patch = await preflight(app, '/doc', A, 'PATCH', { 'access-control-request-headers': 'content-type' })
  t.equal(patch.headers['access-control-allow-methods'], 'PUT, POST, PATCH', 'PUT and POST allow more headers; DELETE lacks credentials')
  const fn = await build({ origin: [A] }, (app) => {
    app.delete('/f', { cors: { origin: async (o) => o === A, credentials: true } }, ok)
    app.get('/f', ok)
    app.put('/f', { cors: { credentials: true } }, ok)
  })
  t.equal((await preflight(fn, '/f', A, 'PUT')).headers['access-control-allow-methods'], 'DELETE, PUT', 'async origins are checked too; GET lacks credentials')
})
