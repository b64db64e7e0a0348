// The reference model of the browser's side, checked against the Fetch standard's rules.
import { test } from 'tap'
import {
  cacheCovers, cacheEntry, corsCheck, isSafelistedHeader, needsPreflight, preflightCheck, preflightHeaders,
  readableHeaders, unsafeHeaderNames
} from '../../lib/browser/fetch-model.js'

const O = 'https://app.example.com'

test('safelisted methods and request headers decide whether a preflight is needed', async (t) => {
  t.equal(needsPreflight({ method: 'GET', origin: O }), false)
  t.equal(needsPreflight({ method: 'POST', origin: O, headers: { 'Content-Type': 'text/plain;charset=utf-8' } }), false)
  t.equal(needsPreflight({ method: 'POST', origin: O, headers: { 'content-type': 'application/json' } }), true)
  t.equal(needsPreflight({ method: 'PUT', origin: O }), true)
  t.equal(needsPreflight({ method: 'get', origin: O }), true, 'methods are case-sensitive past normalisation')
  t.equal(isSafelistedHeader('accept', 'text/html'), true)
  t.equal(isSafelistedHeader('accept', 'a"b'), false)
  t.equal(isSafelistedHeader('accept-language', 'en-US,en;q=0.9'), true)
  t.equal(isSafelistedHeader('content-language', 'x{y'), false)
  t.equal(isSafelistedHeader('accept', 'x'.repeat(129)), false)
  t.equal(isSafelistedHeader('content-type', 'multipart/form-data; boundary=x'), true)
  t.equal(isSafelistedHeader('x-token', 'x'), false)
  t.same(unsafeHeaderNames({ 'X-B': '1', authorization: 'x', Accept: 'a', 'x-a': '1', 'x-A': '2' }), ['authorization', 'x-a', 'x-b'])
  t.same(preflightHeaders({ method: 'PUT', origin: O, headers: { 'X-B': '1', 'x-a': '2' } }),
    { origin: O, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'x-a,x-b' })
  t.same(preflightHeaders({ method: 'DELETE', origin: O }), { origin: O, 'access-control-request-method': 'DELETE' })
})

test('the CORS check', async (t) => {
  const req = { method: 'GET', origin: O }
  const cred = { ...req, credentials: true }
  t.same(corsCheck(req, {}), { ok: false, reason: 'no Access-Control-Allow-Origin header', kind: 'no-allow-origin' })
  t.same(corsCheck(req, { 'access-control-allow-origin': [O, O] }),
    { ok: false, reason: 'more than one Access-Control-Allow-Origin value', kind: 'multiple-allow-origin', value: `${O}, ${O}` })
  t.same(corsCheck(req, { 'access-control-allow-origin': `${O}, https://b.com` }),
    { ok: false, reason: 'more than one Access-Control-Allow-Origin value', kind: 'multiple-allow-origin', value: `${O}, https://b.com` })
  t.same(corsCheck(req, { 'access-control-allow-origin': '*' }), { ok: true })
  t.same(corsCheck(cred, { 'access-control-allow-origin': '*', 'access-control-allow-credentials': 'true' }),
    { ok: false, reason: "Access-Control-Allow-Origin '*' is not allowed with credentials", kind: 'wildcard-credentials' })
  t.same(corsCheck(req, { 'access-control-allow-origin': 'https://other.com' }),
    { ok: false, reason: "Access-Control-Allow-Origin 'https://other.com' is not the page's origin", kind: 'origin-mismatch', value: 'https://other.com' })
  t.same(corsCheck(req, { 'access-control-allow-origin': O }), { ok: true })
  t.same(corsCheck(cred, { 'access-control-allow-origin': O }),
    { ok: false, reason: 'credentials were sent but Access-Control-Allow-Credentials is not true', kind: 'credentials', value: '' })
  t.match(corsCheck(cred, { 'access-control-allow-origin': O, 'access-control-allow-credentials': 'TRUE' }), { ok: false, value: 'TRUE' }, "only the exact 'true'")
  t.same(corsCheck(cred, { 'access-control-allow-origin': O, 'access-control-allow-credentials': 'true' }), { ok: true })
})

test('the CORS-preflight fetch checks: status, methods, headers, wildcards, Authorization', async (t) => {
  const put = { method: 'PUT', origin: O, headers: { 'x-a': '1' } }
  const base = { 'access-control-allow-origin': O }
  t.match(preflightCheck(put, 204, {}), { ok: false, reason: /^preflight: no Access-Control-Allow-Origin/, kind: 'no-allow-origin' })
  t.same(preflightCheck(put, 403, { ...base, 'access-control-allow-methods': 'PUT', 'access-control-allow-headers': 'x-a' }),
    { ok: false, reason: 'preflight: status 403 is not ok', kind: 'status' })
  t.same(preflightCheck(put, 204, { ...base, 'access-control-allow-headers': 'x-a' }),
    { ok: false, reason: 'preflight: method PUT is not in Access-Control-Allow-Methods', kind: 'method', value: 'PUT' })
  t.same(preflightCheck(put, 204, { ...base, 'access-control-allow-methods': 'GET, PUT', 'access-control-allow-headers': 'X-A' }), { ok: true })
  t.same(preflightCheck(put, 204, { ...base, 'access-control-allow-methods': '*', 'access-control-allow-headers': '*' }), { ok: true })
  t.same(preflightCheck({ ...put, credentials: true }, 204, { ...base, 'access-control-allow-credentials': 'true', 'access-control-allow-methods': '*', 'access-control-allow-headers': 'x-a' }),
    { ok: false, reason: 'preflight: method PUT is not in Access-Control-Allow-Methods', kind: 'method', value: 'PUT' }, "'*' methods are literal with credentials")
  t.same(preflightCheck({ ...put, credentials: true }, 204, { ...base, 'access-control-allow-credentials': 'true', 'access-control-allow-methods': 'PUT', 'access-control-allow-headers': '*' }),
    { ok: false, reason: "preflight: header 'x-a' is not in Access-Control-Allow-Headers", kind: 'header', value: 'x-a' }, "'*' headers are literal with credentials")
  t.same(preflightCheck({ method: 'POST', origin: O, headers: { authorization: 'x' } }, 204, { ...base, 'access-control-allow-headers': '*' }),
    { ok: false, reason: "preflight: header 'authorization' is not listed in Access-Control-Allow-Headers ('*' never covers it)", kind: 'header', value: 'authorization' })
  t.same(preflightCheck({ method: 'POST', origin: O, headers: { authorization: 'x' } }, 204, { ...base, 'access-control-allow-headers': '*' }, { wildcardCoversAuthorization: true }),
    { ok: true }, 'an engine that departs from the standard lets it through')
  t.same(preflightCheck({ method: 'POST', origin: O, credentials: true, headers: { authorization: 'x' } }, 204, { ...base, 'access-control-allow-credentials': 'true', 'access-control-allow-headers': '*' }, { wildcardCoversAuthorization: true }),
    { ok: false, reason: "preflight: header 'authorization' is not in Access-Control-Allow-Headers", kind: 'header', value: 'authorization' }, 'with credentials, * is only a name')
  t.same(preflightCheck(put, 204, { ...base, 'access-control-allow-methods': 'PUT, G E T', 'access-control-allow-headers': 'x-a' }),
    { ok: false, reason: "preflight: Access-Control-Allow-Methods 'PUT, G E T' is not a list of names ('G E T')", kind: 'unparsable', header: 'Access-Control-Allow-Methods', value: 'G E T', raw: 'PUT, G E T' })
  t.match(preflightCheck(put, 204, { ...base, 'access-control-allow-methods': 'PUT', 'access-control-allow-headers': 'x-a;x-b' }),
    { ok: false, kind: 'unparsable', header: 'Access-Control-Allow-Headers', value: 'x-a;x-b' }, 'even when the header asked for is not the bad item')
  t.same(preflightCheck(put, 204, { ...base, 'access-control-allow-methods': 'PUT,,GET', 'access-control-allow-headers': 'x-a, ' }), { ok: true }, 'empty items are skipped')
  t.same(preflightCheck({ method: 'POST', origin: O, headers: { 'x-b': '1' } }, 200, base),
    { ok: false, reason: "preflight: header 'x-b' is not in Access-Control-Allow-Headers", kind: 'header', value: 'x-b' }, 'a safelisted method needs no listing')
})

test('the preflight cache and readable response headers', async (t) => {
  const put = { method: 'PUT', origin: O, headers: { 'x-a': '1' } }
  const entry = cacheEntry(put, { 'access-control-allow-methods': 'PUT', 'access-control-allow-headers': 'x-a' })
  t.equal(cacheCovers(entry, put), true)
  t.equal(cacheCovers(entry, { method: 'DELETE', origin: O }), false)
  t.equal(cacheCovers(entry, { method: 'GET', origin: O, headers: { 'x-b': '1' } }), false)
  const wild = cacheEntry({ method: 'PUT', origin: O }, { 'access-control-allow-methods': '*', 'access-control-allow-headers': '*' })
  t.equal(cacheCovers(wild, { method: 'PATCH', origin: O, headers: { 'x-z': '1' } }), true)
  t.equal(cacheCovers(wild, { method: 'PATCH', origin: O, headers: { authorization: '1' } }), false)
  t.equal(cacheCovers(wild, { method: 'PATCH', origin: O, headers: { authorization: '1' } }, { wildcardCoversAuthorization: true }), true)
  t.equal(cacheCovers(wild, { method: 'PATCH', origin: O, credentials: true }), false)
  const headers = { 'content-type': 'a', 'x-total': '1', 'x-secret': '2', 'set-cookie': 'c' }
  t.same(readableHeaders({ method: 'GET', origin: O }, { ...headers, 'access-control-expose-headers': 'X-Total' }).sort(), ['content-type', 'x-total'])
  t.same(readableHeaders({ method: 'GET', origin: O }, { ...headers, 'access-control-expose-headers': '*' }).sort(),
    ['access-control-expose-headers', 'content-type', 'x-secret', 'x-total'])
  t.same(readableHeaders({ method: 'GET', origin: O, credentials: true }, { ...headers, 'access-control-expose-headers': '*' }), ['content-type'])
})
