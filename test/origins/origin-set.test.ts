// OriginSet: an allow-list the app changes while serving, without a restart.
import { test } from 'tap'
import { OriginSet } from '../../lib/index.js'
import { build, corsHeaders, ok, preflight, refusal } from '../helpers.js'

const A = 'https://a.example.com'
const B = 'https://b.example.com'

test('origins added or removed while serving take effect at once, for every route that names the set', async (t) => {
  const tenants = new OriginSet([A])
  const app = await build({ origin: tenants, credentials: true }, (app) => {
    app.get('/x', ok)
    app.put('/x', { cors: { maxAge: 60 } }, ok)
    app.get('/mixed', { cors: { origin: ['https://static.example.com', tenants, /^https:\/\/[a-z]+\.other\.com$/] } }, ok)
  })
  const acao = async (url: string, origin: string) => (await app.inject({ url, headers: { origin } })).headers['access-control-allow-origin']
  t.equal(await acao('/x', A), A)
  t.equal(await acao('/x', B), undefined)
  tenants.add(B)
  t.equal(await acao('/x', B), B, 'added while serving')
  t.equal((await preflight(app, '/x', B, 'PUT')).headers['access-control-allow-origin'], B, 'preflights too')
  t.equal(await acao('/mixed', B), B, 'inside a list')
  t.equal(await acao('/mixed', 'https://static.example.com'), 'https://static.example.com')
  t.equal(await acao('/mixed', 'https://x.other.com'), 'https://x.other.com')
  t.equal(tenants.delete(A), true)
  t.equal(tenants.delete(A), false)
  t.same(corsHeaders((await app.inject({ url: '/x', headers: { origin: A } })).headers), [], 'removed while serving')
  t.same(corsHeaders((await preflight(app, '/x', A, 'PUT')).headers), [])
  t.equal(tenants.size, 1)
  t.same([...tenants.values()], [B])
  t.equal(tenants.has(B), true)
  tenants.clear()
  t.equal(await acao('/x', B), undefined)
})

test('entries are checked as allow-list origins are, and it shows in policies() and printPolicies()', async (t) => {
  const set = new OriginSet()
  t.throws(() => set.add('app.example.com'), { code: 'FST_CORS_INVALID_ORIGIN', message: /origin set: origin 'app\.example\.com' is not an origin/ })
  t.throws(() => set.add('https://a.com/'), { message: /use 'https:\/\/a\.com'/ })
  t.throws(() => set.add('null'), { message: /origin 'null' cannot be added to a set/ })
  t.throws(() => new OriginSet(['https://*.a.com']), { code: 'FST_CORS_INVALID_ORIGIN' })
  t.equal(set.add(A).add(B), set, 'add() chains')
  const app = await build({ origin: set }, (app) => app.get('/x', ok))
  t.match(app.cors.printPolicies(), /origin origin set of 2;/)
  t.same(JSON.parse(JSON.stringify(app.cors.policies()[0].effective)), { origin: [A, B] })
  const e = await app.cors.explain({ method: 'GET', url: '/x', origin: A })
  t.equal(e.allowed, true)
  t.match((await refusal({ origin: [set, 42] })).message, /field 'origin' must be '\*', an origin string, a RegExp, an OriginSet/)
})
