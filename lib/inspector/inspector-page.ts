// The inspector's page: plain HTML and a little script, no build step. Everything it shows from
// the app goes in through textContent, never as markup.

export function page (base: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>CORS inspector</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px system-ui,sans-serif;max-width:72rem;margin:1.5rem auto;padding:0 1rem;color:#1b1b1b}
h1{font-size:1.4rem}h2{font-size:1.1rem;margin-top:1.6rem}
pre{background:#f4f4f4;padding:.6rem;overflow-x:auto;font-size:13px}
form{display:grid;grid-template-columns:10rem 1fr;gap:.4rem .8rem;align-items:center;max-width:48rem}
label{font-weight:600}input,select,textarea{font:inherit;padding:.2rem .4rem}textarea{height:4.5rem}
button{font:inherit;padding:.3rem .9rem;grid-column:2;justify-self:start}
#verdict{font-size:1.15rem;font-weight:700;margin:.8rem 0}
.allowed{color:#0a6b0a}.blocked{color:#a40000}
dt{font-weight:600;margin-top:.5rem}dd{margin:0 0 0 1rem}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:.2rem .4rem;text-align:left;vertical-align:top}
</style></head><body>
<h1>CORS inspector</h1>
<p>What a browser would do with a request to this app, worked out by <code>fastify.cors.explain()</code>:
the preflight it sends, the answer, the actual response's CORS headers, the verdict, the reason and the fix.
For development only.</p>
<h2>Ask</h2>
<form id="ask">
<label for="origin">Page origin</label><input id="origin" name="origin" value="https://app.example.com" required>
<label for="method">Method</label><select id="method" name="method">
<option>GET</option><option>POST</option><option>PUT</option><option>PATCH</option><option>DELETE</option><option>HEAD</option></select>
<label for="url">Path</label><input id="url" name="url" value="/" required>
<label for="headers">Request headers</label><textarea id="headers" name="headers" placeholder="content-type: application/json&#10;authorization: Bearer x"></textarea>
<label for="credentials">Credentials</label><span><input type="checkbox" id="credentials" name="credentials"> <span>fetch(..., { credentials: 'include' })</span></span>
<label for="kind">Sent as</label><select id="kind" name="kind">
<option value="fetch">fetch() (CORS)</option><option value="form">a form post (no preflight, cookies sent)</option>
<option value="no-cors">fetch(..., { mode: 'no-cors' })</option><option value="beacon">navigator.sendBeacon()</option>
<option value="websocket">new WebSocket()</option></select>
<button type="submit" id="explain">Explain</button>
</form>
<div id="answer" hidden>
<p id="verdict" role="status"></p>
<dl>
<dt>Reason</dt><dd id="reason"></dd>
<dt>Fix</dt><dd id="fix"></dd>
<dt>Browsers differ</dt><dd id="notes"></dd>
<dt>Policy</dt><dd id="policy"></dd>
<dt>Preflight the browser sends</dt><dd><pre id="preflight-request"></pre></dd>
<dt>Answer to the preflight</dt><dd><pre id="preflight-response"></pre></dd>
<dt>CORS headers of the actual response</dt><dd><pre id="actual"></pre></dd>
</dl>
</div>
<h2>Routes and their effective policies</h2>
<pre id="policies">loading…</pre>
<h2>Report: refusals, and where a report-only candidate would decide otherwise</h2>
<p><button id="refresh-report" type="button">Refresh</button> Counts since the app started (or <code>clearReport()</code>), per route and reason, with the most frequent origins.</p>
<table id="report"><thead><tr><th>Route</th><th>Reason</th><th>Refused</th><th>Candidate would refuse</th><th>Candidate would allow</th><th>Origins</th></tr></thead><tbody></tbody></table>
<script>
const BASE = ${JSON.stringify(base)}
const $ = (id) => document.getElementById(id)
fetch(BASE + '/policies').then((r) => r.text()).then((text) => { $('policies').textContent = text || '(no routes)' })
async function showReport () {
  const rows = await (await fetch(BASE + '/report')).json()
  const body = $('report').tBodies[0]
  body.replaceChildren()
  for (const r of rows) {
    const tr = document.createElement('tr')
    const origins = r.origins.map((o) => o.origin + ' (' + o.count + ')').join(', ') + (r.otherOrigins > 0 ? ', others (' + r.otherOrigins + ')' : '')
    for (const cell of [r.route.method + ' ' + r.route.url, r.reason, r.refused, r.reportOnly.wouldRefuse, r.reportOnly.wouldAllow, origins]) {
      const td = document.createElement('td')
      td.textContent = String(cell)
      tr.append(td)
    }
    body.append(tr)
  }
  if (rows.length === 0) {
    const td = document.createElement('td')
    td.colSpan = 6
    td.textContent = '(nothing refused, no difference)'
    body.append(document.createElement('tr')).append(td)
  }
}
showReport()
$('refresh-report').addEventListener('click', showReport)
const lines = (headers) => Object.entries(headers).map(([k, v]) => k + ': ' + v).join('\\n') || '(none)'
$('ask').addEventListener('submit', async (event) => {
  event.preventDefault()
  const headers = {}
  for (const line of $('headers').value.split('\\n')) {
    const at = line.indexOf(':')
    if (at > 0) headers[line.slice(0, at).trim()] = line.slice(at + 1).trim()
  }
  const body = { origin: $('origin').value.trim(), method: $('method').value, url: $('url').value.trim(), headers, credentials: $('credentials').checked, kind: $('kind').value }
  const res = await fetch(BASE + '/explain', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const e = await res.json()
  $('answer').hidden = false
  if (!res.ok) {
    $('verdict').className = 'blocked'
    $('verdict').textContent = '⚠ Could not explain: ' + (e.message || res.status)
    return
  }
  // A write sent without CORS: what matters is whether the handler runs (the page reads nothing).
  const write = e.write !== undefined
  $('verdict').className = (write ? !e.write.runs : !e.allowed) ? 'blocked' : 'allowed'
  $('verdict').textContent = write
    ? (e.write.runs ? "⚠ The handler runs, with the user's cookies" : '✘ Refused with 403: the handler does not run')
    : e.allowed ? '✔ Allowed: the page may read the response' : '✘ Blocked by the browser'
  $('reason').textContent = e.reason
  $('fix').textContent = e.fix === null ? '(nothing to fix)' : e.fix
  $('notes').textContent = e.notes.length === 0 ? '(no: Chromium, Firefox and Safari do the same here)' : e.notes.join('\\n')
  $('policy').textContent = e.policy.source
  $('preflight-request').textContent = e.preflight.sent ? 'OPTIONS ' + e.preflight.request.url + '\\n' + lines(e.preflight.request.headers) : '(none: a simple request needs no preflight)'
  $('preflight-response').textContent = e.preflight.sent ? 'HTTP ' + e.preflight.response.status + '\\n' + lines(e.preflight.response.headers) : '(none)'
  $('actual').textContent = e.actual === null ? '(not sent: the preflight failed)' : lines(e.actual.headers)
})
</script></body></html>
`
}
