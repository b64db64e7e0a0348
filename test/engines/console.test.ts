// What each engine's console says about a request this plugin refuses: it must name the real cause
// (the refused header or method, the credentials rule), because the console is where developers
// meet CORS. Each line is also what `check` predicts for that engine, word for word.
import { test } from 'tap'
import Fastify from 'fastify'
import type { AddressInfo } from 'node:net'
import cors from '../../lib/index.js'
import { check } from '../../lib/browser/check.js'
import { eachEngine, runScenarios, type EngineName } from './engine.js'

test("each engine's console names the cause of a refusal by this plugin", async (t) => {
  const api = Fastify()
  // Pages are served from 127.0.0.1 on a port chosen later: allow that host on any port.
  await api.register(cors, { origin: ['http://127.0.0.1:*'] })
  api.put('/items/:id', { cors: { allowedHeaders: ['content-type'] } }, async () => 'put')
  // The policy of DELETE /methods lists the methods a preflight may ask for, without DELETE.
  api.put('/methods', async () => 'put')
  api.delete('/methods', { cors: { methods: ['GET', 'PUT'] } }, async () => 'deleted')
  api.get('/public', { cors: { origin: '*' } }, async () => 'public')
  api.get('/no-credentials', async () => 'plain')
  api.get('/narrow', { cors: { origin: 'https://elsewhere.example' } }, async () => 'narrow')
  await api.listen({ port: 0, host: 'localhost' })
  t.teardown(() => api.close())
  const API = `http://localhost:${(api.server.address() as AddressInfo).port}`

  // [what, path, init, what the console must name, per engine]
  const cases: Array<[string, string, RequestInit, Record<EngineName, RegExp>]> = [
    ['a request header the route does not allow', '/items/7',
      { method: 'PUT', headers: { 'content-type': 'application/json', 'x-debug': '1' }, body: '{}' },
      { chromium: /Request header field x-debug is not allowed by Access-Control-Allow-Headers in preflight response/, firefox: /header ‘x-debug’ is not allowed according to header ‘Access-Control-Allow-Headers’/, webkit: /Request header field x-debug is not allowed by Access-Control-Allow-Headers/ }],
    ['a method the route does not allow', '/methods', { method: 'DELETE' },
      { chromium: /Method DELETE is not allowed by Access-Control-Allow-Methods/, firefox: /Did not find method in CORS header ‘Access-Control-Allow-Methods’/, webkit: /Method DELETE is not allowed by Access-Control-Allow-Methods/ }],
    ['a credentialed fetch to a public route', '/public', { credentials: 'include' },
      { chromium: /must not be the wildcard '\*' when the request's credentials mode is 'include'/, firefox: /Credential is not supported if the CORS header ‘Access-Control-Allow-Origin’ is ‘\*’/, webkit: /Cannot use wildcard in Access-Control-Allow-Origin when credentials flag is true/ }],
    ['a credentialed fetch to a route without credentials', '/no-credentials', { credentials: 'include' },
      { chromium: /'Access-Control-Allow-Credentials' header in the response is '' which must be 'true'/, firefox: /expected ‘true’ in CORS header ‘Access-Control-Allow-Credentials’/, webkit: /Credentials flag is true, but Access-Control-Allow-Credentials is not "true"/ }],
    ['a refused origin', '/narrow', {},
      { chromium: /No 'Access-Control-Allow-Origin' header is present on the requested resource/, firefox: /CORS header ‘Access-Control-Allow-Origin’ missing/, webkit: /is not allowed by Access-Control-Allow-Origin/ }]
  ]

  eachEngine(t, 'the console names the cause, as check predicts', async (t, engine) => {
    const { origin, seen } = await runScenarios(engine, '127.0.0.1', cases.map(([, path, init]) => ({ url: API + path, init })))
    for (const [i, [what, path, init, names]] of cases.entries()) {
      t.ok(seen[i].outcome.blocked, `${what}: blocked`)
      const printed = seen[i].console.join('\n')
      t.match(printed, names[engine], `${what}: the console says why`)
      const headers = init.headers as Record<string, string> | undefined
      const predicted = await check({ url: API + path, origin, method: init.method, headers, credentials: init.credentials === 'include', browsers: [engine] })
      t.equal(predicted.console[engine], printed, `${what}: check predicted it word for word`)
    }
  })
})
