// Origin patterns: https://*.example.com (subdomains), http://localhost:* (ports), both; the Public Suffix List check.
import { test } from 'tap'
import Fastify from 'fastify'
import cors from '../../lib/index.js'
import { coversPublicSuffix, loadPublicSuffixList, parsePattern } from '../../lib/origins/origin-pattern.js'
import { Problems } from '../../lib/shared/problems.js'
import { build, corsHeaders, logCapture, ok, preflight, refusal } from '../helpers.js'

const acao = async (app: Awaited<ReturnType<typeof build>>, origin: string, url = '/x') =>
  (await app.inject({ url, headers: { origin } })).headers['access-control-allow-origin']

test('a subdomain pattern allows one or more labels under the domain, with the same scheme and port', async (t) => {
  const app = await build({ origin: 'https://*.example.com' }, (app) => app.get('/x', ok))
  for (const origin of ['https://a.example.com', 'https://a.b.example.com', 'https://xn--bcher-kva.example.com', 'https://a-1.example.com']) {
    t.equal(await acao(app, origin), origin, origin)
  }
  for (const origin of [
    'https://example.com', // no label before the domain
    'http://a.example.com', // another scheme
    'https://a.example.com:8443', // another port
    'https://aexample.com', // no dot
    'https://a.example.com.evil.net', // suffix elsewhere
    'https://a.example.co', // shorter
    'https://.example.com', 'https://.a.example.com', 'https://a..example.com', 'https://a..b.example.com', // empty labels
    'https://evil.com/.example.com', // a path: never an origin
    'https://a.example.com, https://evil.com', // two Origin lines joined
    'https://A.example.com', // browsers lowercase hosts
    'https://a.example.com.' // trailing dot
  ]) {
    t.equal(await acao(app, origin), undefined, origin)
  }
})

test('a port pattern allows any port, or none; both wildcards combine; patterns sit in lists beside exact origins and RegExps', async (t) => {
  const app = await build({
    origin: ['http://localhost:*', 'https://*.svc.example.org:*', 'https://*.example.com:8443', 'http://[::1]:*',
      'https://exact.example.net', /^https:\/\/(one|two)\.regexp\.test$/]
  }, (app) => app.get('/x', ok))
  for (const origin of ['http://localhost', 'http://localhost:3000', 'http://localhost:65535', 'https://a.svc.example.org',
    'https://a.b.svc.example.org:9000', 'https://a.example.com:8443', 'http://[::1]:5173', 'https://exact.example.net', 'https://two.regexp.test']) {
    t.equal(await acao(app, origin), origin, origin)
  }
  for (const origin of ['http://localhost.evil.com:3000', 'https://localhost:3000', 'http://a.localhost:3000', 'https://a.example.com',
    'https://svc.example.org', 'http://[::2]:5173', 'https://three.regexp.test']) {
    t.equal(await acao(app, origin), undefined, origin)
  }
  const pre = await preflight(app, '/x', 'http://localhost:5173', 'GET')
  t.equal(pre.headers['access-control-allow-origin'], 'http://localhost:5173', 'preflights match patterns too')
  t.match(pre.headers.vary, /origin/i)
  t.same(corsHeaders((await preflight(app, '/x', 'http://localhost.evil.com', 'GET')).headers), [])
})

test('a route policy can use a pattern of its own; explain() and printPolicies() show it', async (t) => {
  const app = await build({ origin: 'https://app.example.com' }, (app) => {
    app.get('/x', ok)
    app.get('/preview', { cors: { origin: ['https://*.preview.example.com'] } }, ok)
  })
  t.equal(await acao(app, 'https://pr-12.preview.example.com', '/preview'), 'https://pr-12.preview.example.com')
  t.equal(await acao(app, 'https://pr-12.preview.example.com'), undefined)
  const e = await app.cors.explain({ method: 'GET', url: '/preview', origin: 'https://pr-12.preview.example.com' })
  t.equal(e.allowed, true)
  t.match(app.cors.printPolicies(), /https:\/\/\*\.preview\.example\.com/)
})

test('malformed patterns are refused, all at once, each with the valid form', async (t) => {
  const bad = ['https://*example.com', 'https://foo.*.example.com', 'https://*.*.example.com', 'https://*.1.2.3.4', 'http://*.[::1]',
    '*.example.com', 'https://*', '*://app.example.com', 'https://*.example.com/', 'https://*.example.com:443', 'http://localhost:80',
    'https://*.Example.com', 'http://localhost:8*', 'https://*.example.com:99999', 'https://*.example.com:0', 'https://*.exa mple.com',
    'https://*..example.com', 'https://*.example.com.', 'h*tps://a.example.com', 'https://user@*.example.com',
    '1http://*.example.com', 'https://*.']
  const err = await refusal({ origin: bad })
  t.equal(err.code, 'FST_CORS_INVALID_ORIGIN')
  t.match(err.message, new RegExp(`^fastify-cors-policy: registration at /: ${bad.length} problems:`))
  const lines = err.message.split('\n').slice(1)
  t.equal(lines.length, bad.length, 'one line per bad pattern')
  for (const [i, entry] of bad.entries()) t.ok(lines[i].includes(`'${entry}'`), `line ${i} names ${entry}`)
  t.match(err.message, /'https:\/\/\*example\.com' may have '\*' only as the whole leftmost label, followed by a dot; write 'https:\/\/\*\.example\.com'/)
  t.match(err.message, /'https:\/\/\*\.1\.2\.3\.4' puts a wildcard on an IP address/)
  t.match(err.message, /'\*\.example\.com' has no scheme/)
  t.match(err.message, /'https:\/\/\*' allows every host; use origin: '\*'/)
  t.match(err.message, /'\*:\/\/app\.example\.com' has a wildcard scheme/)
  t.match(err.message, /'https:\/\/\*\.example\.com:443' names the default port 443, which browsers never send; drop ':443'/)
  t.match(err.message, /'http:\/\/localhost:8\*' has an invalid port '8\*'/)
  t.match(err.message, /'https:\/\/\*\.example\.com\/' has a path/)
})

test('an exact origin with a default port still gets the exact-origin message; a set refuses patterns', async (t) => {
  t.match((await refusal({ origin: 'http://localhost:80' })).message, /use 'http:\/\/localhost'/)
  t.match((await refusal({ origin: 'file:///tmp/page.html' })).message, /pages loaded from file: send `Origin: null`/)
  t.match((await refusal({ origin: 'file://host' })).message, /pages loaded from file: send `Origin: null`/)
})

test('with credentials, a pattern covering a whole public suffix is refused (Public Suffix List, ICANN and private)', async (t) => {
  const err = await refusal({ origin: ['https://*.com', 'https://*.co.uk', 'https://*.github.io', 'https://*.example.com'], credentials: true })
  t.equal(err.code, 'FST_CORS_UNSAFE_POLICY')
  t.match(err.message, /3 problems/)
  for (const p of ['\\*\\.com', '\\*\\.co\\.uk', '\\*\\.github\\.io']) {
    t.match(err.message, new RegExp(`origin pattern 'https://${p}' with credentials: true is refused: it covers a whole public suffix`))
  }
  t.notMatch(err.message, /\*\.example\.com' with/)
  // A route adding credentials to a global public-suffix pattern is refused too, naming the route,
  // at ready() (where the Public Suffix List is loaded for route policies).
  const app = Fastify({ logger: false })
  await app.register(cors, { origin: 'https://*.github.io' })
  app.get('/me', { cors: { credentials: true } }, ok)
  await t.rejects(app.ready(), { code: 'FST_CORS_UNSAFE_POLICY', message: /route GET \/me: origin pattern 'https:\/\/\*\.github\.io'/ })
  // Hosts no list names (localhost, internal names) and registrable domains are fine with credentials.
  const fine = await build({ origin: ['http://*.localhost:*', 'https://*.corp.internal', 'https://*.acme.github.io'], credentials: true }, (app) => app.get('/x', ok))
  t.equal(await acao(fine, 'https://me.acme.github.io'), 'https://me.acme.github.io')
  t.equal(await acao(fine, 'http://app.localhost:5173'), 'http://app.localhost:5173')
})

test('without credentials, a public-suffix pattern starts with one warning naming it and why', async (t) => {
  const { lines, stream } = logCapture()
  const app = Fastify({ logger: { level: 'warn', stream } })
  await app.register(cors, { origin: ['https://*.github.io', 'https://*.example.com'] })
  app.get('/x', ok)
  app.get('/y', ok)
  await app.ready()
  const warnings = lines.filter((l) => String(l.msg).includes('public suffix'))
  t.equal(warnings.length, 1, 'once for the registration, not per route')
  t.match(warnings[0].msg, /origin pattern 'https:\/\/\*\.github\.io' covers a whole public suffix: any page registered under it can read these responses/)
  t.match(warnings[0].msg, /^fastify-cors-policy: registration at \/: origin pattern 'https:\/\/\*\.github\.io' covers/, 'names only the public-suffix pattern')
  t.equal((await app.inject({ url: '/x', headers: { origin: 'https://anyone.github.io' } })).headers['access-control-allow-origin'], 'https://anyone.github.io')
})

test('plain-http patterns with credentials are warned about, as plain-http origins are', async (t) => {
  const { lines, stream } = logCapture()
  const app = Fastify({ logger: { level: 'warn', stream } })
  await app.register(cors, { origin: ['http://*.example.com', 'http://localhost:*'], credentials: true })
  await app.ready()
  const warning = lines.find((l) => String(l.msg).includes('plain-http'))
  t.match(warning?.msg, /\(http:\/\/\*\.example\.com\)/, 'the loopback pattern is not named')
})

test('parsePattern() and coversPublicSuffix() on their own', async (t) => {
  await loadPublicSuffixList()
  const problems = new Problems('test')
  t.same(parsePattern('https://*.example.com:*', problems), { scheme: 'https', host: 'example.com', subdomains: true, port: '*' })
  t.same(parsePattern('http://127.0.0.1:*', problems), { scheme: 'http', host: '127.0.0.1', subdomains: false, port: '*' })
  t.same(parsePattern('wss://*.example.com:9443', problems), { scheme: 'wss', host: 'example.com', subdomains: true, port: '9443' })
  t.doesNotThrow(() => problems.throwIfAny())
  t.equal(coversPublicSuffix({ scheme: 'https', host: 'blogspot.com', subdomains: true, port: '' }), true)
  t.equal(coversPublicSuffix({ scheme: 'https', host: 'example.com', subdomains: true, port: '' }), false)
  t.equal(coversPublicSuffix({ scheme: 'http', host: 'localhost', subdomains: false, port: '*' }), false)
})

test('matching cost does not depend on exact origins: 10,000 of them beside two patterns still match the patterns', async (t) => {
  const many = Array.from({ length: 10_000 }, (_, i) => `https://tenant-${i}.example.net` as const)
  const app = await build({ origin: [...many, 'https://*.example.com', 'http://localhost:*'] }, (app) => app.get('/x', ok))
  t.equal(await acao(app, 'https://tenant-9999.example.net'), 'https://tenant-9999.example.net')
  t.equal(await acao(app, 'https://deep.a.example.com'), 'https://deep.a.example.com')
  t.equal(await acao(app, 'http://localhost:1'), 'http://localhost:1')
  t.equal(await acao(app, 'https://tenant-10000.example.net'), undefined)
})

test('a refused origin that nearly matches a pattern: explain() and the debug log say which pattern and what to add', async (t) => {
  const { lines, stream } = logCapture()
  const app = await build({ origin: ['https://*.example.com', 'http://*.dev.test:8080', 'http://localhost:3000'] },
    (app) => app.get('/x', ok), { logger: { level: 'debug', stream } })
  const cases: Array<[string, RegExp, string]> = [
    ['https://example.com', /'https:\/\/\*\.example\.com' needs at least one label before example\.com$/,
      "add 'https://example.com' to origin of registration at / to allow the domain itself"],
    ['http://a.example.com', /'https:\/\/\*\.example\.com' allows https: only, and the page is http:$/,
      "add 'http://a.example.com' to origin of registration at / if you trust http: (anyone on the network path can pose as it)"],
    ['https://a.b.example.com:8443', /'https:\/\/\*\.example\.com' allows the default port only, and the page uses port 8443$/,
      "add 'https://*.example.com:*' to origin of registration at / to allow any port"],
    ['https://a.dev.test:8080', /'http:\/\/\*\.dev\.test:8080' allows http: only, and the page is https:$/,
      "add 'https://a.dev.test:8080' to origin of registration at / if you trust https:"],
    ['http://a.dev.test', /'http:\/\/\*\.dev\.test:8080' allows port 8080 only, and the page uses the default port$/,
      "add 'http://*.dev.test:*' to origin of registration at / to allow any port"]
  ]
  for (const [origin, reason, fix] of cases) {
    const e = await app.cors.explain({ method: 'GET', url: '/x', origin })
    t.equal(e.allowed, false, origin)
    t.match(e.reason, reason)
    t.equal(e.fix, fix)
    await app.inject({ url: '/x', headers: { origin } })
    t.match(lines.find((l) => l.origin === origin && l.fix !== undefined), { fix, reason: e.reason.replace(/^blocked: /, '') }, 'the debug line carries the same reason and fix')
  }
  const far = await app.cors.explain({ method: 'GET', url: '/x', origin: 'http://localhost:3001' })
  t.match(far.fix, /^if this page should be allowed, add 'http:\/\/localhost:3001' to origin of registration at \//, 'no pattern near: the general fix')
  const odd = await app.cors.explain({ method: 'GET', url: '/x', origin: 'https://example.com/path' })
  t.match(odd.fix, /^if this page should be allowed/)
})

test('many subdomain patterns with suffixes of one length (looked up in a Map) and of several lengths', async (t) => {
  const tenants = ['a1', 'b2', 'c3', 'd4', 'e5', 'f6'].map((n) => `https://*.${n}.com` as const)
  const app = await build({ origin: [...tenants, 'https://*.longer-suffix.org', 'https://*.b2.com:8443'] }, (app) => app.get('/x', ok))
  for (const origin of ['https://x.a1.com', 'https://x.y.f6.com', 'https://x.b2.com:8443', 'https://x.longer-suffix.org']) {
    t.equal(await acao(app, origin), origin, origin)
  }
  for (const origin of ['https://x.g7.com', 'https://x.a1.com:8443', 'http://x.a1.com', 'https://a1.com', 'https://x..a1.com', 'https://x.c3.com:1']) {
    t.equal(await acao(app, origin), undefined, origin)
  }
})

test('patterns no DNS name can match are refused: a host over 253 characters, a label over 63; IPv4-mapped IPv6 hosts', async (t) => {
  const long = 'a'.repeat(60) + '.' + 'b'.repeat(60) + '.' + 'c'.repeat(60) + '.' + 'd'.repeat(61) + '.com' // 248 characters
  const fits = await build({ origin: [`https://*.${long}`] }, (app) => app.get('/x', ok))
  t.equal((await fits.inject({ url: '/x', headers: { origin: `https://x.${long}` } })).headers['access-control-allow-origin'], `https://x.${long}`,
    'a 248-character suffix leaves room for one label')
  const err = await refusal({
    origin: [`https://*.abcd${long}`, `https://${'a'.repeat(250)}.com:*`, `https://*.${'a'.repeat(64)}.com`, 'http://[::ffff:127.0.0.1]:*', 'http://[::ffff:7f00:1]:*', 'http://[::1]:*']
  })
  t.equal(err.code, 'FST_CORS_INVALID_ORIGIN')
  t.match(err.message, /5 problems:/, 'the IPv6 loopback pattern is fine')
  t.match(err.message, /has a host of 252 characters after '\*\.': a DNS name has at most 253, so no origin can match/)
  t.match(err.message, /has a host of 254 characters: a DNS name/)
  t.match(err.message, /has a label of 64 characters: DNS labels have at most 63/)
  t.match(err.message, /'http:\/\/\[::ffff:127\.0\.0\.1\]:\*' has an IPv4-mapped IPv6 host, which browsers send as the IPv4 address; write 'http:\/\/127\.0\.0\.1:\*'/)
  t.match(err.message, /'http:\/\/\[::ffff:7f00:1\]:\*' has an IPv4-mapped .* write 'http:\/\/127\.0\.0\.1:\*'/)
})

test('a subdomain pattern matches at a label boundary only (regression: evil-example.com passed as a subdomain of example.com)', async (t) => {
  // For every form of subdomain pattern: hosts that end with the suffix's text but not at a dot.
  const forms: Array<[string, string, string[]]> = [
    ['https://*.example.com', 'https://a.example.com', ['https://evil-example.com', 'https://myexample.com', 'https://a.evil-example.com', 'https://a.myexample.com', 'https://-example.com']],
    ['https://*.example.com:8443', 'https://a.example.com:8443', ['https://evil-example.com:8443', 'https://myexample.com:8443']],
    ['http://*.example.com:*', 'http://a.example.com:3000', ['http://evil-example.com:3000', 'http://myexample.com:3000']],
    ['https://*.a.b.example.com', 'https://x.a.b.example.com', ['https://xa.b.example.com', 'https://evil-a.b.example.com', 'https://x.evila.b.example.com']]
  ]
  for (const [pattern, inside, outside] of forms) {
    // Alone, and beside a second pattern of another suffix length (the other lookup path).
    for (const origin of [[pattern], [pattern, 'https://*.other.test']]) {
      const app = await build({ origin }, (app) => app.get('/x', ok))
      const acao = async (o: string) => (await app.inject({ url: '/x', headers: { origin: o } })).headers['access-control-allow-origin']
      t.equal(await acao(inside), inside, `${pattern} admits ${inside}`)
      for (const o of outside) t.equal(await acao(o), undefined, `${pattern} refuses ${o}`)
    }
  }
})
