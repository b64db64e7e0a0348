// Starts every example in examples/ (they import the built package: run after `npm run build`).
// multi-tenant.mjs, which needs a Postgres, is tested in test/postgres/ (it starts one).
import { test } from 'tap'
import { get } from 'node:http'
import type { AddressInfo } from 'node:net'
import { build as buildPublic } from '../examples/public-api.mjs'
import { build as buildFirstParty } from '../examples/first-party.mjs'
import { build as buildService } from '../examples/shared-policy/service.js'
import { build as buildMetrics } from '../examples/metrics.mjs'
import { corsHeaders, preflight } from './helpers.js'

test('public API: readable by any page over a real socket; the admin route has no CORS', async (t) => {
  const app = await buildPublic()
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  const headers = await new Promise<Record<string, unknown>>((resolve, reject) => {
    get({ port: (app.server.address() as AddressInfo).port, host: '127.0.0.1', path: '/v1/books', headers: { origin: 'https://any.site' } },
      (res) => { res.resume(); resolve(res.headers) }).on('error', reject)
  })
  t.equal(headers['access-control-allow-origin'], '*')
  t.equal(headers['access-control-expose-headers'], 'X-Total-Count')
  t.same(corsHeaders((await app.inject({ method: 'POST', url: '/v1/admin/reindex', headers: { origin: 'https://any.site' } })).headers), [])
})

test('first party: preflights pass the auth hook; 401s are readable; cookies need credentials', async (t) => {
  const app = await buildFirstParty()
  const A = 'https://app.example.com'
  const pre = await preflight(app, '/me/settings', A, 'PUT', { 'access-control-request-headers': 'content-type,x-csrf-token' })
  t.equal(pre.statusCode, 204)
  t.equal(pre.headers['access-control-allow-credentials'], 'true')
  const anon = await app.inject({ url: '/me', headers: { origin: A } })
  t.equal(anon.statusCode, 401)
  t.equal(anon.headers['access-control-allow-origin'], A)
  const me = await app.inject({ url: '/me', headers: { origin: A, cookie: 'sid=abc' } })
  t.equal(me.json().user, 'ada')
  t.same(corsHeaders((await app.inject({ url: '/me', headers: { origin: 'https://evil.com', cookie: 'sid=abc' } })).headers), [])
})

test('shared policies: typed named policies, partners from CORS_ORIGINS checked at boot', async (t) => {
  const app = await buildService({ CORS_ORIGINS: 'https://a.partner.com, https://b.partner.com' })
  await app.ready()
  t.equal((await app.inject({ url: '/status', headers: { origin: 'https://x.com' } })).headers['access-control-allow-origin'], '*')
  t.equal((await app.inject({ url: '/orders', headers: { origin: 'https://app.acme.com' } })).headers['access-control-allow-credentials'], 'true')
  const partner = await preflight(app, '/partner/webhook-test', 'https://b.partner.com', 'POST', { 'access-control-request-headers': 'content-type' })
  t.equal(partner.headers['access-control-allow-origin'], 'https://b.partner.com')
  await t.rejects(buildService({ CORS_ORIGINS: 'https://a.partner.com/' }),
    { code: 'FST_CORS_INVALID_ORIGIN', message: /CORS_ORIGINS: origin 'https:\/\/a\.partner\.com\/' is not what a browser sends .* use 'https:\/\/a\.partner\.com'/ })
  await t.rejects(buildService({}), { message: /CORS_ORIGINS: field 'origin' is an empty list/ })
})

test('metrics: refusals and report-only differences become prom-client counters labelled by route and reason, never origin', async (t) => {
  const app = await buildMetrics()
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  await app.inject({ url: '/items', headers: { origin: 'https://old.example.com' } })
  await app.inject({ url: '/items', headers: { origin: 'https://old.example.com' } })
  await app.inject({ method: 'OPTIONS', url: '/items/7', headers: { origin: 'https://evil.example', 'access-control-request-method': 'PUT' } })
  await app.inject({ method: 'PUT', url: '/items/7', headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' } })
  const text = await new Promise<string>((resolve, reject) => {
    get({ port: (app.server.address() as AddressInfo).port, host: '127.0.0.1', path: '/metrics' }, (res) => {
      let body = ''
      res.on('data', (chunk) => { body += chunk })
      res.on('end', () => resolve(body))
    }).on('error', reject)
  })
  t.match(text, /cors_report_only_total\{reason="origin",route="GET \/items",outcome="would_refuse"\} 2/)
  t.match(text, /cors_refused_total\{reason="origin",route="PUT \/items\/:id"\} 1/)
  t.match(text, /cors_refused_total\{reason="write",route="PUT \/items\/:id"\} 1/)
  t.notMatch(text, /example\.com|evil/, 'no origin in any label')
})
