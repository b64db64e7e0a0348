// The demo: an API on localhost with a global policy and several route policies, and a page on a
// second origin (another port of localhost by default, or PAGE_HOST) whose buttons call it with fetch() and show what
// the browser allowed, beside the plugin's reason, fix and headers from explain().
import { createServer } from 'node:http'
import Fastify from 'fastify'
import cors from 'fastify-cors-policy'
import inspector from 'fastify-cors-policy/inspector'

// Each call: what the page does, and the headers it sets (explain() needs them too).
const CALLS = [
  { id: 'public', label: 'GET /api/public', method: 'GET', url: '/api/public' },
  { id: 'login', label: 'POST /api/login (sets a cookie)', method: 'POST', url: '/api/login', credentials: true },
  { id: 'me', label: 'GET /api/me with cookies', method: 'GET', url: '/api/me', credentials: true },
  { id: 'public-cred', label: 'GET /api/public with cookies', method: 'GET', url: '/api/public', credentials: true },
  { id: 'put', label: 'PUT /api/items/7 (JSON + X-Token)', method: 'PUT', url: '/api/items/7', headers: { 'content-type': 'application/json', 'x-token': 'demo' }, body: '{"name":"lamp"}' },
  { id: 'put-debug', label: 'PUT /api/items/7 (+ X-Debug)', method: 'PUT', url: '/api/items/7', headers: { 'content-type': 'application/json', 'x-debug': '1' }, body: '{}' },
  { id: 'patch', label: 'PATCH /api/items/7', method: 'PATCH', url: '/api/items/7' },
  { id: 'delete', label: 'DELETE /api/items/7', method: 'DELETE', url: '/api/items/7' },
  { id: 'internal', label: 'GET /api/internal', method: 'GET', url: '/api/internal' },
  { id: 'secure', label: 'GET /api/secure (401)', method: 'GET', url: '/api/secure' },
  { id: 'headers', label: 'GET /api/items (read headers)', method: 'GET', url: '/api/items' },
  { id: 'tools', label: "GET /api/tools (origin 'http://localhost:*')", method: 'GET', url: '/api/tools' },
  { id: 'preview', label: "GET /api/preview (origin 'http://*.localhost:*')", method: 'GET', url: '/api/preview' }
]

export function buildApi (pageOrigin, logger = false) {
  const app = Fastify({ logger })
  // What CORS does not stop: a form post from any site reaches a route unless its policy refuses
  // cross-origin writes (crossOriginWrites, 'refuse' by default with credentials).
  let transfers = 0
  app.register(cors, { origin: [pageOrigin], exposedHeaders: ['X-Total-Count'], maxAge: 60 })
  app.register(inspector, { prefix: '/_cors' })
  app.after(() => {
    app.addHook('onRequest', async (request, reply) => {
      if (request.url === '/api/secure') return reply.code(401).send({ error: 'log in first' })
    })
    app.get('/api/public', { cors: { origin: '*' } }, async () => ({ data: 'anyone may read this' }))
    // Page and API are two origins of one site (localhost, two ports), so a SameSite=Lax cookie
    // goes with credentialed fetches; across sites it would need third-party cookies.
    app.post('/api/login', { cors: { credentials: true } }, async (request, reply) => {
      reply.header('set-cookie', 'session=ada; Path=/; HttpOnly; SameSite=Lax')
      return { loggedIn: true }
    })
    app.get('/api/me', { cors: { credentials: true } }, async (request) => ({ user: 'ada', cookie: request.headers.cookie ?? null }))
    app.get('/api/items', async (request, reply) => {
      reply.header('X-Total-Count', '42').header('X-Internal-Trace', 'abc')
      return [{ id: 7, name: 'lamp' }]
    })
    app.get('/api/items/:id', async (request) => ({ id: request.params.id }))
    // A change being rehearsed: the candidate drops X-Token. Nothing changes for the page; the
    // report (below on the page, and in the inspector) counts what the candidate would refuse.
    app.put('/api/items/:id', { cors: { allowedHeaders: ['content-type', 'x-token'], reportOnly: { allowedHeaders: ['content-type'] } } },
      async (request) => ({ updated: request.params.id, body: request.body }))
    app.patch('/api/items/:id', async (request) => ({ patched: request.params.id }))
    app.delete('/api/items/:id', { cors: { origin: 'https://admin.example.com' } }, async () => ({ deleted: true }))
    app.get('/api/internal', { cors: false }, async () => ({ secret: 'server-to-server only' }))
    app.get('/api/secure', async () => ({ never: 'reached' }))
    // Origin patterns: any port of localhost; any subdomain of localhost (not localhost itself).
    app.get('/api/tools', { cors: { origin: 'http://localhost:*' } }, async () => ({ tools: ['any port of localhost may read this'] }))
    app.get('/api/preview', { cors: { origin: 'http://*.localhost:*' } }, async () => ({ preview: 'subdomains of localhost only' }))
    // Forms post application/x-www-form-urlencoded, which Fastify does not parse by itself.
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (request, body, done) => done(null, body))
    app.post('/api/transfer', { cors: { credentials: true } }, async () => ({ transferred: true, transfers: ++transfers }))
    app.get('/api/transfers', async () => ({ transfers }))
  })
  return app
}

/** The page on another site (127.0.0.1): a form that posts to the API when the demo page asks. */
export function otherSiteHtml (apiOrigin) {
  return `<!doctype html><title>another site</title>
<form id="f" method="POST" action="${apiOrigin}/api/transfer"><input name="amount" value="100"></form>
<script>addEventListener('message', () => document.getElementById('f').submit())</script>`
}

export function pageHtml (apiOrigin, otherOrigin) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>fastify-cors-policy demo</title>
<style>body{font:15px system-ui,sans-serif;max-width:64rem;margin:2rem auto;padding:0 1rem}
.call{border:1px solid #ccc;border-radius:6px;padding:.6rem .8rem;margin:.5rem 0}
button{font:inherit;padding:.2rem .6rem}.allowed{color:#0a6b0a}.blocked{color:#a40000}
.why{color:#333;font-size:13px;margin-top:.3rem}.why b{font-weight:600}
details{font-size:13px}pre{background:#f4f4f4;padding:.3rem .5rem;white-space:pre-wrap;margin:.2rem 0}
form{display:flex;flex-wrap:wrap;gap:.4rem;align-items:center}input,select{font:inherit}</style></head>
<body><h1>fastify-cors-policy demo</h1>
<p>This page is served from <b id="self"></b> and runs in <b id="engine"></b>; the API is on <b>${apiOrigin}</b>, another origin.
Each button calls the API with <code>fetch()</code>. Beside the browser's outcome, the plugin's
<code>explain()</code> gives the reason, the fix, and the headers of the preflight and the response.
Inspector: <a href="${apiOrigin}/_cors/">${apiOrigin}/_cors/</a>.</p>
<button id="run-all">Run all</button>
<div id="calls"></div>
<h2>Your own call</h2>
<form id="free"><select id="f-method"><option>GET</option><option>POST</option><option>PUT</option><option>PATCH</option><option>DELETE</option></select>
<input id="f-url" value="/api/items/7" size="22" aria-label="path">
<input id="f-headers" placeholder="x-token: a, content-type: application/json" size="40" aria-label="request headers">
<label><input type="checkbox" id="f-cred"> with cookies</label><button>Call</button></form>
<div class="call" id="c-free"><span class="result" id="r-free">not run</span><div class="why" id="w-free"></div></div>
<h2>Writes CORS does not stop</h2>
<p>A form post needs no preflight and carries the user's cookies: CORS only hides the answer. <code>POST /api/transfer</code>
has <code>credentials: true</code>, so its policy refuses cross-origin writes (<code>crossOriginWrites</code>) from origins it does not admit.</p>
<div class="call"><button id="form-here">Form post from this page (an admitted origin)</button> <span class="write" id="x-here">not run</span><div class="write-why" id="y-here"></div></div>
<div class="call"><button id="form-other">Form post from another site (${otherOrigin})</button> <span class="write" id="x-other">not run</span><div class="write-why" id="y-other"></div></div>
<h2>A change being rehearsed</h2>
<p><code>PUT /api/items/:id</code> has a report-only candidate that drops <code>X-Token</code> from <code>allowedHeaders</code>:
it changes no answer, and the report counts each request it would refuse. Run the calls above, then look.</p>
<button id="show-report">Show the report</button>
<pre id="report">(not loaded)</pre>
<iframe name="sink" title="form answer" hidden></iframe><iframe id="other" title="another site" src="${otherOrigin}/" hidden></iframe>
<script>
const API = ${JSON.stringify(apiOrigin)}
const CALLS = ${JSON.stringify(CALLS)}
document.getElementById('self').textContent = location.origin
// Engines differ in their console wording, preflight cache and cookies (README, Browsers).
const ua = navigator.userAgent
document.getElementById('engine').textContent = ua.includes('Firefox/') ? 'Firefox (Gecko)'
  : ua.includes('Chrome/') || ua.includes('Chromium/') ? 'Chromium (Blink)' : ua.includes('AppleWebKit/') ? "Safari's engine (WebKit)" : 'an unknown engine'
const box = document.getElementById('calls')
const el = (tag, props = {}, ...children) => { const e = Object.assign(document.createElement(tag), props); e.append(...children); return e }
for (const call of CALLS) {
  box.append(el('div', { className: 'call' },
    el('button', { textContent: call.label, onclick: () => run(call) }), ' ',
    el('span', { className: 'result', id: 'r-' + call.id, textContent: 'not run' }),
    el('div', { className: 'why', id: 'w-' + call.id })))
}
const lines = (headers) => Object.entries(headers).map(([k, v]) => k + ': ' + v).join('\\n') || '(none)'
async function run (call) {
  const out = document.getElementById('r-' + call.id)
  const init = { method: call.method, headers: call.headers || {}, credentials: call.credentials ? 'include' : 'same-origin' }
  if (call.body) init.body = call.body
  try {
    const res = await fetch(API + call.url, init)
    const body = await res.text()
    const total = res.headers.get('X-Total-Count')
    const trace = res.headers.get('X-Internal-Trace')
    out.className = 'result allowed'
    out.dataset.outcome = 'allowed'
    out.textContent = '✔ allowed: HTTP ' + res.status + ' ' + body + (call.id === 'headers' ? ' | X-Total-Count=' + total + ', X-Internal-Trace=' + trace : '')
  } catch (err) {
    out.className = 'result blocked'
    out.dataset.outcome = 'blocked'
    out.textContent = '✘ blocked by the browser (' + err.message + '; the console says why)'
  }
  // The page's own server asks the API's explain() (same origin as this page, so no CORS needed).
  const e = await (await fetch('/explain', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ method: call.method, url: call.url, origin: location.origin, headers: call.headers || {}, credentials: !!call.credentials }) })).json()
  const why = document.getElementById('w-' + call.id)
  why.replaceChildren(el('div', {}, el('b', { textContent: 'Why: ' }), e.reason),
    ...(e.fix ? [el('div', {}, el('b', { textContent: 'Fix: ' }), e.fix)] : []),
    ...(e.notes.length > 0 ? [el('div', { className: 'notes' }, el('b', { textContent: 'Browsers differ: ' }), e.notes.join('; '))] : []),
    el('details', {}, el('summary', { textContent: 'headers' }),
      el('pre', { textContent: e.preflight.sent ? 'Preflight: OPTIONS ' + call.url + '\\n' + lines(e.preflight.request.headers) + '\\n\\nAnswer: HTTP ' + e.preflight.response.status + '\\n' + lines(e.preflight.response.headers) : 'No preflight: a simple request.' }),
      el('pre', { textContent: 'Actual response, CORS headers:\\n' + (e.actual ? lines(e.actual.headers) : '(not sent: the preflight failed)') })))
}
document.getElementById('run-all').addEventListener('click', async () => { for (const c of CALLS) await run(c) })
const OTHER = ${JSON.stringify(otherOrigin)}
const transfers = async () => (await (await fetch(API + '/api/transfers')).json()).transfers
// Posts a form (from this page, or from the page on another site), then reads the API's counter:
// did the handler run? Beside it, explain() for a form post from that origin.
async function formPost (id, origin, send) {
  const before = await transfers()
  send()
  let after = before
  for (let i = 0; i < 30 && after === before; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    after = await transfers()
  }
  const out = document.getElementById('x-' + id)
  out.className = 'write ' + (after > before ? 'allowed' : 'blocked')
  out.textContent = after > before ? '✔ the handler ran (transfers: ' + after + ')' : '✘ refused with 403: the handler did not run (transfers: ' + after + ')'
  const e = await (await fetch('/explain', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'form', method: 'POST', url: '/api/transfer', origin }) })).json()
  document.getElementById('y-' + id).replaceChildren(el('div', {}, el('b', { textContent: 'Why: ' }), e.reason),
    ...(e.fix ? [el('div', {}, el('b', { textContent: 'Fix: ' }), e.fix)] : []))
}
document.getElementById('show-report').addEventListener('click', async () => {
  const rows = await (await fetch('/report')).json()
  document.getElementById('report').textContent = rows.map((r) => r.route.method + ' ' + r.route.url + ' (' + r.reason + '): refused ' + r.refused +
    ', the candidate would refuse ' + r.reportOnly.wouldRefuse + ' and allow ' + r.reportOnly.wouldAllow + '; origins: ' +
    r.origins.map((o) => o.origin + ' ×' + o.count).join(', ')).join('\\n') || '(nothing refused, no difference)'
})
document.getElementById('form-here').addEventListener('click', () => formPost('here', location.origin, () => {
  const form = el('form', { method: 'POST', action: API + '/api/transfer', target: 'sink' }, el('input', { name: 'amount', value: '100' }))
  document.body.append(form)
  form.submit()
}))
document.getElementById('form-other').addEventListener('click', () => formPost('other', OTHER, () => document.getElementById('other').contentWindow.postMessage('post', OTHER)))
document.getElementById('free').addEventListener('submit', (event) => {
  event.preventDefault()
  const headers = {}
  for (const pair of document.getElementById('f-headers').value.split(',')) {
    const at = pair.indexOf(':')
    if (at > 0) headers[pair.slice(0, at).trim()] = pair.slice(at + 1).trim()
  }
  run({ id: 'free', method: document.getElementById('f-method').value, url: document.getElementById('f-url').value, headers, credentials: document.getElementById('f-cred').checked })
})
</script></body></html>`
}

/** Starts the page server and the API; returns their URLs and a close(). */
export async function startDemo ({ apiPort = 3000, pagePort = 3001, pageHost = 'localhost', logger = false } = {}) {
  let html = ''
  let api = null
  let otherHtml = ''
  // Another site: 127.0.0.1, whose origin the API's policies do not admit.
  const other = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    res.end(otherHtml)
  })
  await new Promise((resolve, reject) => other.once('error', reject).listen(0, '127.0.0.1', resolve))
  const otherOrigin = `http://127.0.0.1:${other.address().port}`
  const page = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/report') {
      api.inject({ url: '/_cors/report' }).then((r) => { res.writeHead(r.statusCode, { 'content-type': 'application/json' }); res.end(r.body) })
      return
    }
    if (req.method === 'POST' && req.url === '/explain') {
      let body = ''
      req.on('data', (chunk) => { body += chunk })
      req.on('end', () => {
        api.inject({ method: 'POST', url: '/_cors/explain', payload: body, headers: { 'content-type': 'application/json' } })
          .then((r) => { res.writeHead(r.statusCode, { 'content-type': 'application/json' }); res.end(r.body) })
      })
      return
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    res.end(html)
  })
  await new Promise((resolve, reject) => page.once('error', reject).listen(pagePort, pageHost, resolve))
  const pageOrigin = `http://${pageHost}:${page.address().port}`
  api = buildApi(pageOrigin, logger)
  await api.listen({ port: apiPort, host: 'localhost' })
  const apiOrigin = `http://localhost:${api.server.address().port}`
  html = pageHtml(apiOrigin, otherOrigin)
  otherHtml = otherSiteHtml(apiOrigin)
  return {
    pageUrl: pageOrigin + '/',
    apiOrigin,
    close: async () => {
      await api.close()
      await new Promise((resolve) => page.close(resolve))
      await new Promise((resolve) => other.close(resolve))
    }
  }
}
