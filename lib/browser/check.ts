// `fastify-cors-policy check`: does what a browser does with one cross-origin fetch() against any
// server, and says what Chromium would print. Kept free of Fastify: the command must start fast.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { corsCheck, needsPreflight, preflightCheck, preflightHeaders, readableHeaders, type PageRequest, type Verdict } from './fetch-model.js'

export interface CheckOptions {
  url: string
  /** The page's origin, e.g. https://app.example.com. */
  origin: string
  method?: string
  /** Request headers the page sets. */
  headers?: Record<string, string>
  /** fetch(..., { credentials: 'include' }) */
  credentials?: boolean
  /** Milliseconds each request may take. Default 10000. */
  timeout?: number
}

export interface Exchange {
  request: { method: string, url: string, headers: Record<string, string> }
  /** Status and the CORS headers (plus Location and Vary) of the answer. */
  response: { status: number, headers: Record<string, string> }
}

export interface CheckReport {
  url: string
  origin: string
  method: string
  credentials: boolean
  /** The preflight, when the request needs one. */
  preflight: Exchange | null
  /** The actual request, when the browser gets that far. */
  actual: Exchange | null
  /** Whether the page may read the response. */
  allowed: boolean
  /** One sentence: what happened. */
  verdict: string
  /** What Chromium's console prints for this failure, word for word; null when allowed. */
  console: string | null
  /** The likely fix on the server; null when allowed. */
  fix: string | null
  /** Response headers the page may read (when allowed). */
  readable: string[]
}

/** A usage or network problem: exit status 2. */
export class CheckError extends Error {
  constructor (message: string, readonly code: string) {
    super(message)
  }
}

const PREFLIGHT = "Response to preflight request doesn't pass access control check: "
// Chromium 156's wording; older versions added a hint about 'no-cors' mode.
const VALID = ' Have the server send the header with a valid value.'

/** Chromium's wording of a failed check (its console line after "has been blocked by CORS policy: "). */
function chromiumDetail (failure: Exclude<Verdict, { ok: true }>, preflight: boolean): string {
  const prefix = preflight ? PREFLIGHT : ''
  switch (failure.kind) {
    case 'no-allow-origin':
      return prefix + "No 'Access-Control-Allow-Origin' header is present on the requested resource."
    case 'multiple-allow-origin':
      return prefix + `The 'Access-Control-Allow-Origin' header contains multiple values '${failure.value}', but only one is allowed.` + VALID
    case 'origin-mismatch':
      return prefix + `The 'Access-Control-Allow-Origin' header has a value '${failure.value}' that is not equal to the supplied origin.` + VALID
    case 'wildcard-credentials':
      return prefix + "The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'."
    case 'credentials':
      return prefix + `The value of the 'Access-Control-Allow-Credentials' header in the response is '${failure.value}' which must be 'true' when the request's credentials mode is 'include'.`
    case 'status':
      return PREFLIGHT + 'It does not have HTTP ok status.'
    case 'method':
      return `Method ${failure.value} is not allowed by Access-Control-Allow-Methods in preflight response.`
    case 'header':
      return `Request header field ${failure.value} is not allowed by Access-Control-Allow-Headers in preflight response.`
  }
}

function fixFor (failure: Exclude<Verdict, { ok: true }>, preflight: boolean, origin: string): string {
  const where = preflight ? 'the answer to the OPTIONS preflight' : 'the response'
  switch (failure.kind) {
    case 'no-allow-origin':
      return `${where} needs Access-Control-Allow-Origin: ${origin} (or '*' for a public resource fetched without credentials); ` +
        'if the server means to allow this page, check that its CORS layer runs for this path and method' + (preflight ? ', and for OPTIONS before any auth' : '')
    case 'multiple-allow-origin':
      return `send one Access-Control-Allow-Origin value in ${where}: two layers (a proxy and the app?) each add one`
    case 'origin-mismatch':
      return `${where} must name the page's exact origin: Access-Control-Allow-Origin: ${origin}`
    case 'wildcard-credentials':
      return `with credentials, ${where} must echo the page's origin (Access-Control-Allow-Origin: ${origin}) and send Access-Control-Allow-Credentials: true; or fetch without credentials`
    case 'credentials':
      return `${where} needs Access-Control-Allow-Credentials: true; or fetch without credentials`
    case 'status':
      return 'answer the preflight with a 2xx status (204): it carries no credentials, so answer it before authentication'
    case 'method':
      return `list ${failure.value} in Access-Control-Allow-Methods of the preflight answer`
    case 'header':
      return `list ${failure.value} in Access-Control-Allow-Headers of the preflight answer`
  }
}

const KEPT = /^(access-control-|vary$|location$)/

function kept (headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    // (Only set-cookie comes as an array, and it is not kept.)
    if (KEPT.test(name)) out[name] = String(value)
  }
  return out
}

/** One request, no redirect followed; resolves with the status and the raw headers. */
function send (url: URL, method: string, headers: Record<string, string>, timeout: number): Promise<{ status: number, headers: IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, { method, headers, timeout }, (res) => {
      res.resume()
      res.on('end', () => resolve({ status: res.statusCode as number, headers: res.headers }))
      res.on('error', reject)
    })
    request.on('timeout', () => request.destroy(new CheckError(`no answer from ${url.host} within ${timeout} ms (--timeout)`, 'TIMEOUT')))
    request.on('error', (err: NodeJS.ErrnoException) => reject(networkError(err, url)))
    request.end()
  })
}

export function networkError (err: NodeJS.ErrnoException, url: URL): Error {
  if (err instanceof CheckError) return err
  const code = err.code ?? 'ERROR'
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new CheckError(`DNS: could not resolve ${url.hostname} (${code})`, code)
  if (code === 'ECONNREFUSED') return new CheckError(`connection refused by ${url.host}: is the server running on that port?`, code)
  if (code === 'ECONNRESET') return new CheckError(`${url.host} closed the connection before answering`, code)
  if (/CERT|TLS|SSL/.test(code)) return new CheckError(`TLS: ${err.message} (${code})`, code)
  return new CheckError(`${url.host}: ${err.message} (${code})`, code)
}

/** Checks that `origin` is a serialised origin, as a page's would be. */
function pageOrigin (origin: string): string {
  let parsed: URL
  try {
    parsed = new URL(origin)
  } catch {
    throw new CheckError(`--origin '${origin}' is not an origin; write it as scheme://host[:port], e.g. https://app.example.com`, 'USAGE')
  }
  if (parsed.origin !== origin) throw new CheckError(`--origin '${origin}' is not what a browser sends; use '${parsed.origin}'`, 'USAGE')
  return origin
}

/** Runs the preflight (if the browser would send one) and the actual request, and judges both. */
export async function check (options: CheckOptions): Promise<CheckReport> {
  let url: URL
  try {
    url = new URL(options.url)
  } catch {
    throw new CheckError(`'${options.url}' is not a URL`, 'USAGE')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CheckError(`'${options.url}' is not an http(s) URL`, 'USAGE')
  const origin = pageOrigin(options.origin)
  const method = (options.method ?? 'GET').toUpperCase()
  const headers = Object.fromEntries(Object.entries(options.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]))
  const page: PageRequest = { method, origin, headers, credentials: options.credentials === true }
  const timeout = options.timeout ?? 10000
  const report: CheckReport = {
    url: url.href,
    origin,
    method,
    credentials: page.credentials === true,
    preflight: null,
    actual: null,
    allowed: false,
    verdict: '',
    console: null,
    fix: null,
    readable: []
  }
  const blocked = (failure: Exclude<Verdict, { ok: true }>, preflight: boolean): CheckReport => {
    report.verdict = `blocked${preflight ? ' at the preflight' : ''}: ${failure.reason.replace(/^preflight: /, '')}`
    report.console = consoleLine(url.href, origin, chromiumDetail(failure, preflight))
    report.fix = fixFor(failure, preflight, origin)
    return report
  }

  if (needsPreflight(page)) {
    const sent = preflightHeaders(page)
    const res = await send(url, 'OPTIONS', sent, timeout)
    report.preflight = { request: { method: 'OPTIONS', url: url.href, headers: sent }, response: { status: res.status, headers: kept(res.headers) } }
    if (res.status >= 300 && res.status < 400 && res.headers.location !== undefined) {
      report.verdict = `blocked at the preflight: it redirects (HTTP ${res.status} to ${res.headers.location}), and browsers follow no redirect of a preflight`
      report.console = consoleLine(url.href, origin, PREFLIGHT + 'Redirect is not allowed for a preflight request.')
      report.fix = `call the final URL in fetch() (${new URL(res.headers.location, url).href}), or answer the preflight at this one without redirecting`
      return report
    }
    const verdict = preflightCheck(page, res.status, res.headers as Record<string, string | string[]>)
    if (!verdict.ok) return blocked(verdict, true)
  }

  const sent: Record<string, string> = { ...headers, origin }
  const res = await send(url, method, sent, timeout)
  report.actual = { request: { method, url: url.href, headers: sent }, response: { status: res.status, headers: kept(res.headers) } }
  const verdict = corsCheck(page, res.headers as Record<string, string | string[]>)
  if (!verdict.ok) return blocked(verdict, false)
  if (res.status >= 300 && res.status < 400 && res.headers.location !== undefined) {
    report.verdict = `redirected (HTTP ${res.status} to ${res.headers.location}): the browser follows it in CORS mode, and the next answer must pass the same checks (with Origin: null if it leaves this origin's server for another)`
    report.fix = `run check on ${new URL(res.headers.location, url).href}, or call that URL in fetch() directly`
    return report
  }
  report.allowed = true
  report.verdict = `allowed: the page may read the response (HTTP ${res.status})`
  report.readable = readableHeaders(page, res.headers as Record<string, string | string[]>)
  return report
}

function consoleLine (url: string, origin: string, detail: string): string {
  return `Access to fetch at '${url}' from origin '${origin}' has been blocked by CORS policy: ${detail}`
}
