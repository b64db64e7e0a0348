// `fastify-cors-policy check` against servers on this machine: this plugin, @fastify/cors and a
// plain node:http server; its exit statuses, its JSON, and its usage and network errors.
import { test } from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import fastifyCors from '@fastify/cors'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import cors from '../../lib/index.js'
import { check, CheckError, networkError, summary } from '../../lib/browser/check.js'
import { main } from '../../lib/browser/cli.js'

const PAGE = 'https://app.example.com'

async function listen (app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
}

/** Runs the command; returns its exit status and what it printed. */
async function run (...argv: string[]): Promise<{ code: number, out: string, err: string }> {
  let out = ''
  let err = ''
  const write = { out: process.stdout.write, err: process.stderr.write }
  process.stdout.write = ((s: string) => { out += s; return true }) as typeof process.stdout.write
  process.stderr.write = ((s: string) => { err += s; return true }) as typeof process.stderr.write
  try {
    return { code: await main(argv), out, err }
  } finally {
    process.stdout.write = write.out
    process.stderr.write = write.err
  }
}

test('against this plugin: allowed, blocked at the preflight with the fix, and the exit status', async (t) => {
  const app = Fastify()
  await app.register(cors, { origin: [PAGE], exposedHeaders: ['x-total'] })
  app.get('/items', async (req, reply) => reply.header('x-total', '3').send('[]'))
  app.put('/items/:id', { cors: { allowedHeaders: ['content-type'] } }, async () => 'ok')
  const base = await listen(app)
  t.teardown(() => app.close())

  const ok = await run('check', `${base}/items`, '--origin', PAGE)
  t.equal(ok.code, 0)
  t.match(ok.out, /No preflight: a simple request/)
  t.match(ok.out, /✔ Allowed: the page may read the response \(HTTP 200\)\n {2}The page may read: .*x-total/)

  const put = await run('check', `${base}/items/7`, '-o', PAGE, '-X', 'put', '-H', 'content-type: application/json', '-H', 'X-Debug: 1')
  t.equal(put.code, 1)
  t.match(put.out, /^Preflight: OPTIONS .*\/items\/7\n {4}origin: https:\/\/app\.example\.com\n {4}access-control-request-method: PUT\n {4}access-control-request-headers: content-type,x-debug\n {2}answer: HTTP 204/)
  t.match(put.out, /✘ Blocked at the preflight: header 'x-debug' is not in Access-Control-Allow-Headers/)
  t.match(put.out, /Chromium \(Chrome, Edge\) console:\n {2}Access to fetch at '.*\/items\/7' from origin 'https:\/\/app\.example\.com' has been blocked by CORS policy: Request header field x-debug is not allowed by Access-Control-Allow-Headers in preflight response\./)
  t.match(put.out, /Firefox console:\n {2}Cross-Origin Request Blocked: .*\(Reason: header ‘x-debug’ is not allowed according to header ‘Access-Control-Allow-Headers’ from CORS preflight response\)\.\n {2}Cross-Origin Request Blocked: .*\(Reason: CORS request did not succeed\)\. Status code: \(null\)\./)
  t.match(put.out, /Safari \(WebKit\) console:\n {2}Request header field x-debug is not allowed by Access-Control-Allow-Headers\.\n {2}Fetch API cannot load .*\/items\/7 due to access control checks\./)
  t.match(put.out, /Fix: list x-debug in Access-Control-Allow-Headers of the preflight answer/)

  const json = await run('check', `${base}/items/7`, '--origin', 'https://evil.example', '-X', 'PUT', '--json')
  t.equal(json.code, 1)
  const report = JSON.parse(json.out)
  t.match(report, { allowed: false, preflight: { response: { status: 204, headers: {} } }, actual: null, fix: /Access-Control-Allow-Origin: https:\/\/evil\.example/ })
  t.same(Object.keys(report.console), ['chromium', 'firefox', 'webkit'], 'console: an object keyed by engine')
  t.match(report.engines, { chromium: { allowed: false }, firefox: { allowed: false }, webkit: { allowed: false } })
  t.match(report.console.webkit, /^Origin https:\/\/evil\.example is not allowed by Access-Control-Allow-Origin\. Status code: 204\nFetch API cannot load /)
  t.match(report.console.chromium, /Response to preflight request doesn't pass access control check: No 'Access-Control-Allow-Origin' header is present/)
})

test('against @fastify/cors and plain node:http servers', async (t) => {
  const other = Fastify()
  await other.register(fastifyCors, { origin: 'https://other.example', credentials: true })
  other.get('/x', async () => 'x')
  const base = await listen(other)
  t.teardown(() => other.close())
  const mismatch = await check({ url: `${base}/x`, origin: PAGE })
  t.match(mismatch, { allowed: false, verdict: /Access-Control-Allow-Origin 'https:\/\/other\.example' is not the page's origin/ })
  t.match(mismatch.console.chromium, /has a value 'https:\/\/other\.example' that is not equal to the supplied origin\. Have the server send the header with a valid value\.\nFailed to load resource: net::ERR_FAILED$/)

  const plain: Server = createServer((req, res) => {
    if (req.url === '/moved') { res.writeHead(302, { location: '/new', 'access-control-allow-origin': '*' }); res.end(); return }
    if (req.url === '/pre-moved') { res.writeHead(307, { location: 'https://elsewhere.example/x' }); res.end(); return }
    if (req.url === '/star') { res.writeHead(200, { 'access-control-allow-origin': '*' }); res.end('x'); return }
    res.writeHead(200, { 'access-control-allow-origin': PAGE })
    res.end('x')
  })
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve))
  t.teardown(() => plain.close())
  const url = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`
  t.match(await check({ url: `${url}/x`, origin: PAGE, credentials: true }), {
    allowed: false,
    console: { chromium: /The value of the 'Access-Control-Allow-Credentials' header in the response is '' which must be 'true'/ },
    fix: /needs Access-Control-Allow-Credentials: true/
  })
  t.match(await check({ url: `${url}/star`, origin: PAGE, credentials: true }), { allowed: false, console: { chromium: /must not be the wildcard '\*'/ }, fix: /must echo the page's origin/ })
  t.match(await check({ url: `${url}/moved`, origin: PAGE }), { allowed: false, console: { chromium: '', firefox: '', webkit: '' }, verdict: /^redirected \(HTTP 302 to \/new\)/, fix: /run check on http:\/\/127\.0\.0\.1:\d+\/new/ })
  t.match(await check({ url: `${url}/pre-moved`, origin: PAGE, method: 'DELETE' }), {
    allowed: false,
    console: { chromium: /Response to preflight request doesn't pass access control check: Redirect is not allowed for a preflight request\.\nFailed to load resource: net::ERR_FAILED$/ },
    fix: /call the final URL in fetch\(\) \(https:\/\/elsewhere\.example\/x\)/
  })
  const ok = await check({ url: `${url}/x`, origin: PAGE })
  t.match(ok, { allowed: true, console: { chromium: '', firefox: '', webkit: '' }, fix: null, preflight: null, notes: [] })

  const kinds: Server = createServer((req, res) => {
    if (req.url === '/two') res.writeHead(200, { 'access-control-allow-origin': `${PAGE}, https://b.example` })
    else if (req.url === '/status') res.writeHead(401, { 'access-control-allow-origin': PAGE })
    else if (req.url === '/method') res.writeHead(204, { 'access-control-allow-origin': PAGE, 'access-control-allow-methods': 'GET' })
    else if (req.url === '/nothing') res.writeHead(200)
    else if (req.url === '/list') res.writeHead(204, { 'access-control-allow-origin': PAGE, 'access-control-allow-methods': 'GET;DELETE' })
    else if (req.url === '/hlist') res.writeHead(204, { 'access-control-allow-origin': PAGE, 'access-control-allow-methods': 'PUT', 'access-control-allow-headers': 'a b' })
    else res.writeHead(204, { 'access-control-allow-origin': PAGE })
    res.end()
  })
  await new Promise<void>((resolve) => kinds.listen(0, '127.0.0.1', resolve))
  t.teardown(() => kinds.close())
  const at = `http://127.0.0.1:${(kinds.address() as AddressInfo).port}`
  t.match(await check({ url: `${at}/two`, origin: PAGE }), { console: { chromium: /contains multiple values 'https:\/\/app\.example\.com, https:\/\/b\.example', but only one is allowed/ }, fix: /send one Access-Control-Allow-Origin value in the response/ })
  t.match(await check({ url: `${at}/status`, origin: PAGE, method: 'DELETE' }), { console: { chromium: /doesn't pass access control check: It does not have HTTP ok status\.\nFailed to load resource: net::ERR_FAILED$/ }, fix: /answer the preflight with a 2xx status/ })
  t.match(await check({ url: `${at}/method`, origin: PAGE, method: 'DELETE' }), { console: { chromium: /Method DELETE is not allowed by Access-Control-Allow-Methods in preflight response\.\nFailed to load resource: net::ERR_FAILED$/ }, fix: 'list DELETE in Access-Control-Allow-Methods of the preflight answer' })
  t.match(await check({ url: `${at}/list`, origin: PAGE, method: 'DELETE' }), {
    verdict: "blocked at the preflight: Access-Control-Allow-Methods 'GET;DELETE' is not a list of names ('GET;DELETE')",
    console: { chromium: /Cannot parse Access-Control-Allow-Methods response header field in preflight response\./, firefox: /invalid token ‘GET;DELETE’ in CORS header ‘Access-Control-Allow-Methods’/, webkit: /^Header Access-Control-Allow-Methods has an invalid value: GET;DELETE\n/ },
    fix: "send Access-Control-Allow-Methods as names separated by commas ('GET;DELETE' is not a name): e.g. 'GET, PUT'"
  })
  t.match(await check({ url: `${at}/hlist`, origin: PAGE, method: 'PUT', headers: { 'x-a': '1' } }), { fix: "send Access-Control-Allow-Headers as names separated by commas ('a b' is not a name): e.g. 'content-type, x-token'" })
  const bare = await run('check', `${at}/bare`, '--origin', PAGE)
  t.equal(bare.code, 0)
  t.match(bare.out, /The page may read: \(no headers\) and the body/)
  const none = await run('check', `${at}/nothing`, '--origin', PAGE)
  t.equal(none.code, 1)
  t.match(none.out, /answer: HTTP 200\n {4}\(no CORS headers\)/)
  t.match(none.out, /Fix: the response needs Access-Control-Allow-Origin: https:\/\/app\.example\.com \(or '\*' for a public resource fetched without credentials\); if the server means to allow this page, check that its CORS layer runs for this path and method\n/)
})

test('usage and network errors exit 2 with a clear message', async (t) => {
  const cases: Array<[string[], RegExp]> = [
    [['check', 'http://127.0.0.1:1/x'], /^Usage: fastify-cors-policy check/],
    [['nope'], /^Usage:/],
    [['check', 'http://x', '--origin', PAGE, '--bogus'], /Unknown option '--bogus'/],
    [['check', 'http://127.0.0.1:1/x', '--origin', 'app.example.com'], /--origin 'app\.example\.com' is not an origin; write it as scheme:\/\/host\[:port\]/],
    [['check', 'http://127.0.0.1:1/x', '--origin', 'https://app.example.com/'], /is not what a browser sends; use 'https:\/\/app\.example\.com'/],
    [['check', 'not a url', '--origin', PAGE], /'not a url' is not a URL/],
    [['check', 'ftp://a.com/x', '--origin', PAGE], /is not an http\(s\) URL/],
    [['check', 'http://127.0.0.1:1/x', '--origin', PAGE, '-H', 'nocolon'], /-H 'nocolon': write a header as 'name: value'/],
    [['check', 'http://127.0.0.1:1/x', '--origin', PAGE, '--timeout', '0'], /--timeout '0': a whole number of milliseconds/],
    [['check', 'http://127.0.0.1:1/x', '--origin', PAGE], /connection refused by 127\.0\.0\.1:1: is the server running on that port\?/],
    [['check', 'https://127.0.0.1:1/x', '--origin', PAGE], /connection refused by 127\.0\.0\.1:1/]
  ]
  for (const [argv, message] of cases) {
    const res = await run(...argv)
    t.equal(res.code, 2, argv.join(' '))
    t.match(res.err, message)
  }
  const json = await run('check', 'http://127.0.0.1:1/x', '--origin', PAGE, '--json')
  t.same(JSON.parse(json.out), { error: 'connection refused by 127.0.0.1:1: is the server running on that port?', code: 'ECONNREFUSED' })
  const help = await run('--help')
  t.equal(help.code, 0)
  t.match(help.out, /Exit status: 0 readable, 1 blocked by the browser, 2 usage or network error\./)

  const hung: Server = createServer(() => {})
  await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { hung.closeAllConnections(); hung.close() })
  const slow = await run('check', `http://127.0.0.1:${(hung.address() as AddressInfo).port}/x`, '--origin', PAGE, '--timeout', '100')
  t.equal(slow.code, 2)
  t.match(slow.err, /no answer from 127\.0\.0\.1:\d+ within 100 ms \(--timeout\)/)
})

test('network errors are named: DNS, TLS, reset, and anything else', async (t) => {
  const url = new URL('https://api.example.com/x')
  const named = (code: string, message = 'boom') => networkError(Object.assign(new Error(message), { code }), url)
  t.match(named('ENOTFOUND'), { code: 'ENOTFOUND', message: 'DNS: could not resolve api.example.com (ENOTFOUND)' })
  t.match(named('EAI_AGAIN'), { message: /^DNS: could not resolve/ })
  t.match(named('CERT_HAS_EXPIRED', 'certificate has expired'), { message: 'TLS: certificate has expired (CERT_HAS_EXPIRED)' })
  t.match(named('ERR_TLS_CERT_ALTNAME_INVALID'), { message: /^TLS: / })
  t.match(named('ECONNRESET'), { message: 'api.example.com closed the connection before answering' })
  t.match(named('EPIPE', 'broken'), { message: 'api.example.com: broken (EPIPE)' })
  t.match(networkError(new Error('no code'), url), { message: 'api.example.com: no code (ERROR)' })
  const own = new CheckError('mine', 'TIMEOUT')
  t.equal(networkError(own, url), own)
})

test('--browser picks the engines; the notes name where engines and the standard part', async (t) => {
  const server: Server = createServer((req, res) => {
    const origin = req.headers.origin as string
    if (req.url === '/star') {
      // A literal '*': the standard does not let Authorization through; the engines do.
      res.writeHead(204, { 'access-control-allow-origin': '*', 'access-control-allow-headers': '*', 'access-control-allow-methods': 'GET' })
    } else if (req.url === '/refused') {
      res.writeHead(204)
    } else {
      res.writeHead(200, { 'access-control-allow-origin': origin, 'access-control-allow-credentials': 'true' })
    }
    res.end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())
  const at = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  const one = JSON.parse((await run('check', `${at}/refused`, '--origin', PAGE, '--browser', 'firefox', '--json')).out)
  t.same(Object.keys(one.console), ['firefox'])
  t.same(Object.keys(one.engines), ['firefox'])
  t.equal(one.console.firefox, `Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at ${at}/refused. (Reason: CORS header ‘Access-Control-Allow-Origin’ missing). Status code: 204.`)
  const text = await run('check', `${at}/refused`, '-o', PAGE, '-b', 'webkit')
  t.equal(text.code, 1)
  t.notMatch(text.out, /Chromium|Firefox/)
  t.match(text.out, /Safari \(WebKit\) console:\n {2}Origin https:\/\/app\.example\.com is not allowed by Access-Control-Allow-Origin\. Status code: 204\n/)
  t.same(Object.keys((await check({ url: `${at}/refused`, origin: PAGE, browser: 'webkit' })).console), ['webkit'], "check({ browser: 'webkit' })")
  t.same(Object.keys((await check({ url: `${at}/refused`, origin: PAGE, browser: 'all' })).console), ['chromium', 'firefox', 'webkit'])
  const bad = await run('check', `${at}/refused`, '-o', PAGE, '--browser', 'safari')
  t.equal(bad.code, 2)
  t.match(bad.err, "--browser 'safari': one of chromium, firefox, webkit, all")

  const star = await check({ url: `${at}/star`, origin: PAGE, headers: { Authorization: 'Bearer x' } })
  t.equal(star.allowed, true, 'every engine lets it through')
  t.match(star.notes, [/^The Fetch standard blocks this \(header 'authorization' is not listed in Access-Control-Allow-Headers \('\*' never covers it\)\), but chromium, firefox and webkit let it through today: list authorization in Access-Control-Allow-Headers/])
  const starText = await run('check', `${at}/star`, '-o', PAGE, '-H', 'authorization: x', '-b', 'chromium')
  t.match(starText.out, /\nNote: The Fetch standard blocks this .* but chromium let it through today/)

  const crossSite = await check({ url: `${at}/me`, origin: 'http://localhost:8080', credentials: true })
  t.equal(crossSite.allowed, true)
  t.match(crossSite.notes, [/^the page \(http:\/\/localhost\) is on another site than http:\/\/127\.0\.0\.1: Safari \(WebKit\) sends no cookies with this request, Chromium only cookies set as Partitioned/])
  const sameHost = await check({ url: `${at}/me`, origin: 'http://127.0.0.1:8080', credentials: true })
  t.same(sameHost.notes, [], 'another port of the same host is the same site')
  const sameSite = await check({ url: `${at}/me`, origin: 'https://127.0.0.1', credentials: true })
  t.equal(sameSite.notes.length, 1, 'https and http are different sites')
})

test('sites come from the Public Suffix List, private domains included: a page on a.b.github.io is of the site b.github.io', async (t) => {
  const server: Server = createServer((req, res) => {
    res.writeHead(200, { 'access-control-allow-origin': req.headers.origin as string, 'access-control-allow-credentials': 'true' })
    res.end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())
  const { port } = server.address() as AddressInfo
  const report = await check({ url: `http://127.0.0.1:${port}/x`, origin: 'http://a.b.github.io', credentials: true })
  t.match(report.notes, [/^the page \(http:\/\/b\.github\.io\) is on another site than http:\/\/127\.0\.0\.1/], 'github.io is a public suffix: the site is b.github.io')
})

test('engines that disagree on a verdict are named, each with its own (no profile does so today: the summary is held to it here)', async (t) => {
  const report = (verdict: string) => ({ allowed: verdict === 'allowed', verdict }) as never
  t.equal(summary(['chromium', 'firefox', 'webkit'], { chromium: report('allowed'), firefox: report('allowed'), webkit: report('blocked: x') }),
    'engines disagree: chromium and firefox: allowed; webkit: blocked: x')
  t.equal(summary(['chromium', 'webkit'], { chromium: report('allowed'), webkit: report('allowed') }), 'allowed')
})
