// RegExps that admit every site under a public suffix get the treatment of the pattern they
// behave like: refused with credentials, warned about without (issue 30).
import { test } from 'tap'
import Fastify from 'fastify'
import cors from '../../lib/index.js'
import { openSuffixes, spelledSuffixes } from '../../lib/origins/regexp-suffix.js'
import { build, logCapture, ok, refusal } from '../helpers.js'

// [RegExp, the pattern it behaves like, a made-up site it admits]
const open: Array<[RegExp, string, string]> = [
  [/^https:\/\/([a-z0-9-]+\.)+com$/, 'https://*.com', 'https://attacker.com'],
  [/^https:\/\/(\w+\.)+co\.uk$/, 'https://*.co.uk', 'https://attacker.co.uk'],
  [/^https:\/\/[a-z0-9-]+\.github\.io$/, 'https://*.github.io', 'https://attacker.github.io'],
  [/^https:\/\/.*\.com$/, 'https://*.com', 'https://attacker.com'],
  // An alternation names no single suffix: the common ones are asked too.
  [/^https:\/\/[a-z0-9-]+\.(com|org)$/, 'https://*.com', 'https://attacker.org'],
  // Two labels deep: anyone who registers attacker.com serves www.attacker.com.
  [/^https:\/\/[a-z]+\.[a-z]+\.com$/, 'https://*.com', 'https://www.attacker.com'],
  // A port part does not hide the host.
  [/^https?:\/\/([a-z0-9-]+\.)*vercel\.app(:\d+)?$/, 'https://*.vercel.app', 'https://attacker.vercel.app:8443'],
  [/^https:\/\/(?<name>[a-z0-9-]+)\.netlify\.app$/, 'https://*.netlify.app', 'https://attacker.netlify.app']
]

// [RegExp, an origin it admits]: one owner's names, or hosts no Public Suffix List rule names.
const closed: Array<[RegExp, string]> = [
  [/^https:\/\/([a-z0-9-]+\.)+example\.com$/, 'https://a.b.example.com'],
  [/^https:\/\/(app|admin)\.example\.com$/, 'https://admin.example.com'],
  [/^https:\/\/[a-z0-9-]+\.acme\.github\.io$/, 'https://docs.acme.github.io'],
  [/^http:\/\/localhost(:\d+)?$/, 'http://localhost:5173'],
  // The probes match here, but localhost is no public suffix: the list is asked before refusing.
  [/^http:\/\/[a-z0-9-]+\.localhost(:\d+)?$/, 'http://app.localhost:5173'],
  [/^https:\/\/deploy-preview-\d+--mysite\.netlify\.app$/, 'https://deploy-preview-12--mysite.netlify.app']
]

test('with credentials, a RegExp that admits every site under a public suffix is refused as its pattern is', async (t) => {
  for (const [re, like, site] of open) {
    const err = await refusal({ origin: re, credentials: true })
    t.equal(err.code, 'FST_CORS_UNSAFE_POLICY', String(re))
    t.match(err.message, `origin ${String(re)} (it admits what '${like}' admits) with credentials: true is refused: it covers a whole public suffix`, String(re))
    // The same policy without credentials registers, and the site is indeed admitted.
    const app = await build({ origin: re }, (app) => app.get('/x', ok))
    t.equal((await app.inject({ url: '/x', headers: { origin: site } })).headers['access-control-allow-origin'], site, `${String(re)} admits ${site}`)
  }
})

test('RegExps limited to one owner\'s names, or to hosts no list names, stay accepted with credentials', async (t) => {
  for (const [re, origin] of closed) {
    const app = await build({ origin: re, credentials: true }, (app) => app.get('/x', ok))
    t.equal((await app.inject({ url: '/x', headers: { origin } })).headers['access-control-allow-origin'], origin, String(re))
  }
})

test('without credentials, an open RegExp starts with one warning naming it and the pattern it behaves like', async (t) => {
  const { lines, stream } = logCapture()
  const app = Fastify({ logger: { level: 'warn', stream } })
  await app.register(cors, { origin: [/^https:\/\/[a-z0-9-]+\.github\.io$/, 'https://*.vercel.app', /^https:\/\/([a-z0-9-]+\.)+example\.com$/] })
  app.get('/x', ok)
  await app.ready()
  const warnings = lines.filter((l) => String(l.msg).includes('public suffix'))
  t.equal(warnings.length, 1)
  t.equal(warnings[0].msg, 'fastify-cors-policy: registration at /: origin /^https:\\/\\/[a-z0-9-]+\\.github\\.io$/ (it admits what ' +
    "'https://*.github.io' admits), origin pattern 'https://*.vercel.app' cover a whole public suffix: any page registered under it " +
    'can read these responses. Fine for public data; if the API trusts its network (an intranet) or may ever use credentials, ' +
    "name your own domain, e.g. 'https://*.example.com'")
})

test('a route RegExp that opens a public suffix fails ready(), naming the route', async (t) => {
  const app = Fastify()
  await app.register(cors, { origin: 'https://app.example.com', credentials: true })
  app.get('/me', { cors: { origin: /^https:\/\/(\w+\.)+co\.uk$/ } }, ok)
  await t.rejects(app.ready(), { code: 'FST_CORS_UNSAFE_POLICY', message: /route GET \/me: origin \/.*\/ \(it admits what 'https:\/\/\*\.co\.uk' admits\) with credentials: true is refused/ })
})

test('the suffixes a RegExp spells out: its last run of labels and each shorter one, without a port part', async (t) => {
  t.same(spelledSuffixes(String.raw`^https:\/\/([a-z0-9-]+\.)+example\.com$`), ['example.com', 'com'])
  t.same(spelledSuffixes(String.raw`^https:\/\/[a-z]+\.github\.io(:\d+)?$`), ['github.io', 'io'])
  t.same(spelledSuffixes(String.raw`^https:\/\/[a-z]+\.Co\.UK(?::\d{2,5})?$`), ['co.uk', 'uk'])
  t.same(spelledSuffixes(String.raw`^http:\/\/localhost:\d+$`), ['localhost'])
  t.same(spelledSuffixes(String.raw`^https:\/\/[a-z]+\.(com|org)$`), [], 'an alternation last spells none')
  t.same(openSuffixes(/^https:\/\/app\.example\.com$/), [], 'one exact host admits no made-up site')
  t.same(openSuffixes(/^https?:\/\/[a-z0-9-]+\.dev$/), ['https://*.dev', 'http://*.dev'])
})
