// The demo: an API on localhost with a global policy and several route policies, and a page on
// a second origin (127.0.0.1, the API being on localhost) whose buttons call it with fetch() and show what the browser allowed.
import { createServer } from 'node:http'
import Fastify from 'fastify'
import cors from 'fastify-cors-policy'

const CALLS = [
  { id: 'public', label: 'GET /api/public', url: '/api/public', init: {}, why: "route policy { origin: '*' }: any page may read it." },
  { id: 'me', label: 'GET /api/me with cookies', url: '/api/me', init: { credentials: 'include' }, why: 'route policy { credentials: true } under the global allow-list: this page is on the list, so the browser may send cookies and read the answer.' },
  { id: 'public-cred', label: 'GET /api/public with cookies', url: '/api/public', init: { credentials: 'include' }, why: "with credentials a browser refuses Access-Control-Allow-Origin: '*'; that route is public, not first-party." },
  { id: 'put', label: 'PUT /api/items/7 (JSON + X-Token)', url: '/api/items/7', init: { method: 'PUT', headers: { 'content-type': 'application/json', 'x-token': 'demo' }, body: '{"name":"lamp"}' }, why: 'preflighted: the OPTIONS route for /api/items/:id answers with the PUT route\'s policy (methods: auto, allowedHeaders content-type and x-token).' },
  { id: 'patch', label: 'PATCH /api/items/7', url: '/api/items/7', init: { method: 'PATCH' }, why: 'methods: auto lists the methods registered on the path that this origin may use; PATCH is there.' },
  { id: 'delete', label: 'DELETE /api/items/7', url: '/api/items/7', init: { method: 'DELETE' }, why: "the DELETE route's policy only allows https://admin.example.com, so the preflight is refused." },
  { id: 'internal', label: 'GET /api/internal', url: '/api/internal', init: {}, why: 'route policy cors: false: no CORS headers, the browser hides the response.' },
  { id: 'secure', label: 'GET /api/secure (401)', url: '/api/secure', init: {}, why: 'an auth hook answers 401 before the handler; the plugin still adds CORS headers in onSend, so the page can read the error.' },
  { id: 'headers', label: 'GET /api/items (read headers)', url: '/api/items', init: {}, why: 'exposedHeaders: [X-Total-Count]: the page may read X-Total-Count but not X-Internal-Trace.' }
]

export function buildApi (pageOrigin, logger = false) {
  const app = Fastify({ logger })
  app.register(cors, { origin: [pageOrigin], exposedHeaders: ['X-Total-Count'], maxAge: 60 })
  app.after(() => {
    app.addHook('onRequest', async (request, reply) => {
      if (request.url === '/api/secure') return reply.code(401).send({ error: 'log in first' })
    })
    app.get('/api/public', { cors: { origin: '*' } }, async () => ({ data: 'anyone may read this' }))
    app.get('/api/me', { cors: { credentials: true } }, async (request) => ({ user: 'ada', cookie: request.headers.cookie ?? null }))
    app.get('/api/items', async (request, reply) => {
      reply.header('X-Total-Count', '42').header('X-Internal-Trace', 'abc')
      return [{ id: 7, name: 'lamp' }]
    })
    app.get('/api/items/:id', async (request) => ({ id: request.params.id }))
    app.put('/api/items/:id', { cors: { allowedHeaders: ['content-type', 'x-token'] } }, async (request) => ({ updated: request.params.id, body: request.body }))
    app.patch('/api/items/:id', async (request) => ({ patched: request.params.id }))
    app.delete('/api/items/:id', { cors: { origin: 'https://admin.example.com' } }, async () => ({ deleted: true }))
    app.get('/api/internal', { cors: false }, async () => ({ secret: 'server-to-server only' }))
    app.get('/api/secure', async () => ({ never: 'reached' }))
  })
  return app
}

export function pageHtml (apiOrigin) {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>fastify-cors-policy demo</title>
<style>body{font:15px system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
.call{border:1px solid #ccc;border-radius:6px;padding:.6rem .8rem;margin:.5rem 0}
button{font:inherit;padding:.2rem .6rem}.ok{color:#0a6b0a}.blocked{color:#a40000}.why{color:#555;font-size:13px}
code,pre{background:#f4f4f4;padding:0 .2rem;white-space:pre-wrap}</style></head>
<body><h1>fastify-cors-policy demo</h1>
<p>This page is served from <b id="self"></b>; the API is on <b>${apiOrigin}</b>, another origin.
Each button calls the API with <code>fetch()</code>: the browser decides from the response headers whether this page may read it.</p>
<button id="run-all">Run all</button>
<div id="calls"></div>
<script>
const API = ${JSON.stringify(apiOrigin)}
const CALLS = ${JSON.stringify(CALLS)}
document.getElementById('self').textContent = location.origin
const box = document.getElementById('calls')
for (const call of CALLS) {
  const div = document.createElement('div')
  div.className = 'call'
  div.innerHTML = '<button data-id="' + call.id + '">' + call.label + '</button> <span class="result" id="r-' + call.id + '">not run</span><div class="why">Why: ' + call.why + '</div>'
  box.appendChild(div)
}
async function run (call) {
  const out = document.getElementById('r-' + call.id)
  try {
    const res = await fetch(API + call.url, call.init)
    const body = await res.text()
    const total = res.headers.get('X-Total-Count')
    const trace = res.headers.get('X-Internal-Trace')
    out.className = 'result ok'
    out.dataset.outcome = 'allowed'
    out.textContent = 'allowed: HTTP ' + res.status + ' ' + body + (total !== null || call.id === 'headers' ? ' | X-Total-Count=' + total + ', X-Internal-Trace=' + trace : '')
  } catch (err) {
    out.className = 'result blocked'
    out.dataset.outcome = 'blocked'
    out.textContent = 'blocked by the browser (' + err.name + ': ' + err.message + ')'
  }
}
box.addEventListener('click', (e) => { const c = CALLS.find((x) => x.id === e.target.dataset.id); if (c) run(c) })
document.getElementById('run-all').addEventListener('click', async () => { for (const c of CALLS) await run(c) })
</script></body></html>`
}

/** Starts the page server and the API; returns their URLs and a close(). */
export async function startDemo ({ apiPort = 3000, pagePort = 3001, pageHost = '127.0.0.1', logger = false } = {}) {
  let html = ''
  const page = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
    res.end(html)
  })
  await new Promise((resolve, reject) => page.once('error', reject).listen(pagePort, pageHost, resolve))
  const pageOrigin = `http://${pageHost}:${page.address().port}`
  const api = buildApi(pageOrigin, logger)
  await api.listen({ port: apiPort, host: 'localhost' })
  const apiOrigin = `http://localhost:${api.server.address().port}`
  html = pageHtml(apiOrigin)
  return {
    pageUrl: pageOrigin + '/',
    apiOrigin,
    close: async () => { await api.close(); await new Promise((resolve) => page.close(resolve)) }
  }
}
