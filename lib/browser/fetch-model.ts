// lib/browser: the browser's side: the Fetch-standard model, and `check`, which plays a browser against any server.
// The browser's side of CORS, after the Fetch standard (fetch.spec.whatwg.org): which requests
// need a preflight, the CORS check, the CORS-preflight fetch's checks and its cache. Used by
// `explain()` and by the property-based tests that hold the plugin to the standard.

/** A cross-origin request as a page makes it with fetch(). Header names lowercase. */
export interface PageRequest {
  method: string
  origin: string
  headers?: Record<string, string>
  /** credentials: 'include' */
  credentials?: boolean
}

/** A response's headers, names lowercase (as Node and light-my-request give them). */
export type ResponseHeaders = Record<string, string | string[] | number | undefined>

/** Which check failed, and the value it failed on (for the browser's own wording: see lib/check.ts). */
export type Failure =
  | { kind: 'no-allow-origin' | 'wildcard-credentials' | 'status' }
  | { kind: 'multiple-allow-origin' | 'origin-mismatch' | 'credentials' | 'method' | 'header', value: string }
  /** A preflight's Allow-Methods or Allow-Headers that is not a list of tokens: `value` is the first bad item. */
  | { kind: 'unparsable', header: 'Access-Control-Allow-Methods' | 'Access-Control-Allow-Headers', value: string, raw: string }

export type Verdict = { ok: true } | ({ ok: false, reason: string } & Failure)

const SAFELISTED_METHODS = new Set(['GET', 'HEAD', 'POST'])
const SAFELISTED_CONTENT_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'])
const SAFELISTED_RESPONSE_HEADERS = ['cache-control', 'content-language', 'content-length', 'content-type', 'expires', 'last-modified', 'pragma']
// Bytes a safelisted request-header value may not contain (CORS-unsafe request-header byte).
// eslint-disable-next-line no-control-regex
const UNSAFE_BYTE = /[\x00-\x08\x0a-\x1f"():<>?@[\\\]{}\x7f]/

export function isSafelistedMethod (method: string): boolean {
  return SAFELISTED_METHODS.has(method)
}

/** CORS-safelisted request-header (name lowercase), for the headers a page can set. */
export function isSafelistedHeader (name: string, value: string): boolean {
  if (value.length > 128) return false
  switch (name) {
    case 'accept':
      return !UNSAFE_BYTE.test(value)
    case 'accept-language':
    case 'content-language':
      return /^[0-9A-Za-z *,\-.;=]*$/.test(value)
    case 'content-type':
      return !UNSAFE_BYTE.test(value) && SAFELISTED_CONTENT_TYPES.has(value.split(';')[0].trim().toLowerCase())
    default:
      return false
  }
}

/** CORS-unsafe request-header names: sorted, lowercase, as the preflight's request headers. */
export function unsafeHeaderNames (headers: Record<string, string> = {}): string[] {
  const names = new Set<string>()
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase()
    if (!isSafelistedHeader(lower, value)) names.add(lower)
  }
  return [...names].sort()
}

export function needsPreflight (request: PageRequest): boolean {
  return !isSafelistedMethod(request.method) || unsafeHeaderNames(request.headers).length > 0
}

/** The preflight the browser sends for `request`. */
export function preflightHeaders (request: PageRequest): Record<string, string> {
  const names = unsafeHeaderNames(request.headers)
  const headers: Record<string, string> = { origin: request.origin, 'access-control-request-method': request.method }
  if (names.length > 0) headers['access-control-request-headers'] = names.join(',')
  return headers
}

function single (value: ResponseHeaders[string]): string | null {
  if (value === undefined || Array.isArray(value)) return null // absent, or sent twice: a failure
  return String(value)
}

// RFC 9110 token: a method, or a header name.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

function list (value: ResponseHeaders[string]): string[] {
  const text = single(value)
  return text === null ? [] : text.split(',').map((s) => s.trim()).filter((s) => s !== '')
}

/** The CORS check: may the page see this response at all? */
export function corsCheck (request: PageRequest, headers: ResponseHeaders): Verdict {
  const raw = headers['access-control-allow-origin']
  const allowOrigin = single(raw)
  if (allowOrigin === null) {
    return raw === undefined
      ? { ok: false, reason: 'no Access-Control-Allow-Origin header', kind: 'no-allow-origin' }
      : { ok: false, reason: 'more than one Access-Control-Allow-Origin value', kind: 'multiple-allow-origin', value: (raw as string[]).join(', ') }
  }
  if (request.credentials !== true && allowOrigin === '*') return { ok: true }
  if (allowOrigin === '*') return { ok: false, reason: "Access-Control-Allow-Origin '*' is not allowed with credentials", kind: 'wildcard-credentials' }
  if (allowOrigin.includes(',')) return { ok: false, reason: 'more than one Access-Control-Allow-Origin value', kind: 'multiple-allow-origin', value: allowOrigin }
  if (allowOrigin !== request.origin) {
    return { ok: false, reason: `Access-Control-Allow-Origin '${allowOrigin}' is not the page's origin`, kind: 'origin-mismatch', value: allowOrigin }
  }
  if (request.credentials !== true) return { ok: true }
  const allowCredentials = single(headers['access-control-allow-credentials'])
  if (allowCredentials !== 'true') {
    return { ok: false, reason: 'credentials were sent but Access-Control-Allow-Credentials is not true', kind: 'credentials', value: allowCredentials ?? '' }
  }
  return { ok: true }
}

/**
 * Where an engine departs from the standard (lib/browser/engines.ts): the standard says
 * `Access-Control-Allow-Headers: *` never covers Authorization; the engines let it through.
 */
export interface Departures { wildcardCoversAuthorization?: boolean }

/** The checks of a CORS-preflight fetch on its response, by the standard unless `engine` departs from it. */
export function preflightCheck (request: PageRequest, status: number, headers: ResponseHeaders, engine: Departures = {}): Verdict {
  const cors = corsCheck(request, headers)
  if (!cors.ok) return { ...cors, reason: `preflight: ${cors.reason}` }
  if (status < 200 || status > 299) return { ok: false, reason: `preflight: status ${status} is not ok`, kind: 'status' }
  // Extracting header list values fails on an item that is not a token (Fetch, CORS-preflight fetch).
  for (const header of ['Access-Control-Allow-Methods', 'Access-Control-Allow-Headers'] as const) {
    const value = headers[header.toLowerCase()]
    const bad = list(value).find((item) => !TOKEN.test(item))
    if (bad !== undefined) {
      const raw = single(value) as string // a bad item means one value was there
      return { ok: false, reason: `preflight: ${header} '${raw}' is not a list of names ('${bad}')`, kind: 'unparsable', header, value: bad, raw }
    }
  }
  const methods = list(headers['access-control-allow-methods'])
  const names = list(headers['access-control-allow-headers']).map((n) => n.toLowerCase())
  if (!methods.includes(request.method) && !isSafelistedMethod(request.method) &&
    (request.credentials === true || !methods.includes('*'))) {
    return { ok: false, reason: `preflight: method ${request.method} is not in Access-Control-Allow-Methods`, kind: 'method', value: request.method }
  }
  for (const name of unsafeHeaderNames(request.headers)) {
    if (names.includes(name)) continue
    if (name === 'authorization' && engine.wildcardCoversAuthorization !== true) return { ok: false, reason: "preflight: header 'authorization' is not listed in Access-Control-Allow-Headers ('*' never covers it)", kind: 'header', value: name }
    if (request.credentials === true || !names.includes('*')) {
      return { ok: false, reason: `preflight: header '${name}' is not in Access-Control-Allow-Headers`, kind: 'header', value: name }
    }
  }
  return { ok: true }
}

/** A preflight cache entry, as the browser keeps it for max-age seconds. */
export interface PreflightCacheEntry { methods: string[], headerNames: string[], credentials: boolean }

export function cacheEntry (request: PageRequest, headers: ResponseHeaders): PreflightCacheEntry {
  return {
    methods: list(headers['access-control-allow-methods']),
    headerNames: list(headers['access-control-allow-headers']).map((n) => n.toLowerCase()),
    credentials: request.credentials === true
  }
}

/** Whether a cached preflight lets `request` go without a new preflight. */
export function cacheCovers (entry: PreflightCacheEntry, request: PageRequest, engine: Departures = {}): boolean {
  const wildcard = !entry.credentials && request.credentials !== true
  const methodOk = isSafelistedMethod(request.method) || entry.methods.includes(request.method) ||
    (wildcard && entry.methods.includes('*'))
  return methodOk && unsafeHeaderNames(request.headers).every((n) =>
    entry.headerNames.includes(n) || (wildcard && (n !== 'authorization' || engine.wildcardCoversAuthorization === true) && entry.headerNames.includes('*')))
}

/** Response headers the page can read with `response.headers.get()`. */
export function readableHeaders (request: PageRequest, headers: ResponseHeaders): string[] {
  const exposed = list(headers['access-control-expose-headers']).map((n) => n.toLowerCase())
  const all = exposed.includes('*') && request.credentials !== true
  return Object.keys(headers).filter((n) => SAFELISTED_RESPONSE_HEADERS.includes(n) || exposed.includes(n) ||
    (all && n !== 'set-cookie' && n !== 'set-cookie2'))
}
