import { test } from 'tap'
import Fastify from 'fastify'
import cors, { definePolicy, errors, fastifyCorsPolicy, originsFromEnv, parsePolicy } from '../lib/index.js'
import { CorsPolicySchema, RouteCorsSchema } from '../lib/config/schema.js'
import { Value } from '@sinclair/typebox/value'
import { ok } from './helpers.js'

test('default and named exports are the same plugin, with fastify-plugin metadata', async (t) => {
  t.equal(cors, fastifyCorsPolicy)
  const meta = (cors as unknown as Record<symbol, { name: string, fastify: string }>)[Symbol.for('plugin-meta')]
  t.match(meta, { name: 'fastify-cors-policy', fastify: '5.x' })
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
