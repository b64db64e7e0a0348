import { test } from 'tap'
import Fastify from 'fastify'
import cors, { definePolicy, errors, fastifyCorsPolicy, originsFromEnv, parsePolicy } from '../lib/index.js'
import { CorsPolicySchema, RouteCorsSchema } from '../lib/config/schema.js'
import { Value } from '@sinclair/typebox/value'
import { ok } from './helpers.js'

test('default and named exports are the same plugin, with the metadata fastify-plugin would set', async (t) => {
  t.equal(cors, fastifyCorsPolicy)
  t.equal((cors as unknown as { default: unknown }).default, cors)
  const own = cors as unknown as Record<symbol, unknown>
  t.same(own[Symbol.for('plugin-meta')], { name: 'fastify-cors-policy' })
  t.equal(own[Symbol.for('skip-override')], true)
  t.equal(own[Symbol.for('fastify.display-name')], 'fastify-cors-policy')
  // Not encapsulated: the decorator and hooks reach the app that registered it.
  const app = Fastify()
  await app.register(cors)
  t.ok(app.hasDecorator('cors'))
  // Other plugins can depend on it by name.
  const dependent = Object.assign(async () => {}, { [Symbol.for('plugin-meta')]: { name: 'needs-cors', dependencies: ['fastify-cors-policy'] } })
  await t.resolves(async () => { await app.register(dependent) })
  await t.rejects(async () => { await Fastify().register(dependent) }, { code: 'FST_ERR_PLUGIN_DEPENDENCY_NOT_REGISTERED' })
  // Its preflight scope has a name of its own too (Fastify would otherwise search require.cache for one).
  const scopes: string[] = []
  const named = Fastify()
  named.addHook('onRegister', (instance) => { scopes.push(instance.pluginName) })
  await named.register(cors)
  await named.ready()
  t.same(scopes, ['fastify-cors-policy preflight'])
})

test('a Fastify other than 5.x is refused at registration, naming both versions', async (t) => {
  const app = Fastify()
  Object.defineProperty(app, 'version', { value: '4.29.1' })
  await t.rejects(async () => { await app.register(cors) }, { code: 'FST_CORS_FASTIFY_VERSION', message: 'fastify-cors-policy: fastify-cors-policy needs Fastify 5.x; this app runs Fastify 4.29.1' })
})

test('definePolicy returns its argument, usable as a route policy', async (t) => {
  const firstParty = definePolicy({ origin: ['https://app.example.com'], credentials: true })
  t.same(firstParty, { origin: ['https://app.example.com'], credentials: true })
  const app = Fastify()
  await app.register(cors)
  app.get('/', { cors: firstParty }, ok)
  const res = await app.inject({ url: '/', headers: { origin: 'https://app.example.com' } })
  t.equal(res.headers['access-control-allow-credentials'], 'true')
})

test('the schemas (fastify-cors-policy/schema) validate a shared policy file at boot', async (t) => {
  const fromJson = JSON.parse('{"origin": ["https://a.com"], "maxAge": 600}')
  t.ok(Value.Check(CorsPolicySchema, fromJson))
  t.notOk(Value.Check(CorsPolicySchema, { orgin: '*' }))
  t.ok(Value.Check(RouteCorsSchema, false))
  t.ok(Value.Check(CorsPolicySchema, { origin: /^https:\/\/a\.com$/ }), 'RegExp origins are accepted')
})

test('error classes are exported with FST_CORS_ codes', async (t) => {
  const err = new errors.FST_CORS_INVALID_OPTION('global options', 'x')
  t.equal(err.code, 'FST_CORS_INVALID_OPTION')
  t.ok(err instanceof Error)
})

test('parsePolicy checks a loaded policy with the registration rules and messages', async (t) => {
  t.same(parsePolicy({ origin: ['https://a.com'], methods: 'GET,PUT' }), { origin: ['https://a.com'], methods: ['GET', 'PUT'] })
  t.throws(() => parsePolicy({ origin: 'https://a.com/' }, 'cors.json'), { code: 'FST_CORS_INVALID_ORIGIN', message: /cors\.json: origin 'https:\/\/a\.com\/'/ })
  t.throws(() => parsePolicy({ credentials: true }), { code: 'FST_CORS_UNSAFE_POLICY', message: /^fastify-cors-policy: policy: origin '\*' with credentials/ })
  t.throws(() => parsePolicy('nope'), { code: 'FST_CORS_INVALID_OPTION' })
})

test('originsFromEnv splits a comma list and drops blanks', async (t) => {
  t.same(originsFromEnv(' https://a.com, https://b.com ,,'), ['https://a.com', 'https://b.com'])
  t.same(originsFromEnv(undefined), [])
  t.same(originsFromEnv(''), [])
})
