// `fastify-cors-policy check`: does what a browser does with one cross-origin fetch() against any
// server, and says what each engine (Chromium, Firefox, Safari's WebKit) would decide and print.
// Kept free of Fastify: the command must start fast.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { corsCheck, needsPreflight, preflightCheck, preflightHeaders, readableHeaders, type PageRequest, type Verdict } from './fetch-model.js'
import { ENGINE_NAMES, ENGINES, type ConsoleFailure, type EngineName } from './engines.js'

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
  /** The engines to judge for. Default all three. */
  browsers?: readonly EngineName[]
  /** One engine, or 'all': the CLI's `--browser` (ignored when `browsers` is given). */
  browser?: EngineName | 'all'
}

export interface EngineReport {
  allowed: boolean
  verdict: string
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
  /** Whether the page may read the response, in every engine judged. */
  allowed: boolean
  /** One sentence: what happened (when engines disagree, which and why). */
  verdict: string
  /** Each judged engine's verdict. */
  engines: Partial<Record<EngineName, EngineReport>>
  /** What each engine's console prints, word for word, its lines joined by newlines ('' for none). */
  console: Partial<Record<EngineName, string>>
  /** Where engines differ from each other or from the Fetch standard on this request. */
  notes: string[]
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
    case 'unparsable':
      return `send ${failure.header} as names separated by commas ('${failure.value}' is not a name): e.g. '${failure.header === 'Access-Control-Allow-Methods' ? 'GET, PUT' : 'content-type, x-token'}'`
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

type Failed = Exclude<Verdict, { ok: true }> | { ok: false, kind: 'redirect', reason: string }

/** Runs the preflight (if the browser would send one) and the actual request, and judges both per engine. */
export async function check (options: CheckOptions): Promise<CheckReport> {
  let url: URL
  try {
    url = new URL(options.url)
  } catch {
    throw new CheckError(`'${options.url}' is not a URL`, 'USAGE')
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CheckError(`'${options.url}' is not an http(s) URL`, 'USAGE')
  const origin = pageOrigin(options.origin)
  const engines = options.browsers ?? (options.browser === undefined || options.browser === 'all' ? ENGINE_NAMES : [options.browser])
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
    engines: {},
    console: {},
    fix: null,
    notes: [],
    readable: []
  }
  // Each engine's failure (the first check it failed), and the status of the answer that failed it.
  const failed = new Map<EngineName, { failure: Failed, preflight: boolean, status: number }>()
  let redirected: string | null = null

  if (needsPreflight(page)) {
    const sent = preflightHeaders(page)
    const res = await send(url, 'OPTIONS', sent, timeout)
    report.preflight = { request: { method: 'OPTIONS', url: url.href, headers: sent }, response: { status: res.status, headers: kept(res.headers) } }
    const location = redirectTarget(res)
    if (location !== null) {
      // Browsers follow no redirect of a preflight: every engine fails it the same way.
      const failure: Failed = { ok: false, kind: 'redirect', reason: `preflight: it redirects (HTTP ${res.status} to ${location}), and browsers follow no redirect of a preflight` }
      for (const engine of engines) failed.set(engine, { failure, preflight: true, status: res.status })
      report.fix = `call the final URL in fetch() (${new URL(location, url).href}), or answer the preflight at this one without redirecting`
    } else {
      for (const engine of engines) {
        const verdict = preflightCheck(page, res.status, res.headers as Record<string, string | string[]>, ENGINES[engine])
        if (!verdict.ok) failed.set(engine, { failure: verdict, preflight: true, status: res.status })
      }
      const standard = preflightCheck(page, res.status, res.headers as Record<string, string | string[]>)
      const through = engines.filter((e) => !failed.has(e))
      if (!standard.ok && through.length > 0) {
        report.notes.push(`The Fetch standard blocks this (${standard.reason.replace(/^preflight: /, '')}), but ${names(through)} let it through today: ` +
          // (The engines depart from the standard on one header only: Authorization under '*'.)
          `list ${(standard as { value: string }).value} in Access-Control-Allow-Headers, so it keeps working when they follow the standard`)
      }
    }
  }

  if (failed.size < engines.length) {
    const sent: Record<string, string> = { ...headers, origin }
    const res = await send(url, method, sent, timeout)
    report.actual = { request: { method, url: url.href, headers: sent }, response: { status: res.status, headers: kept(res.headers) } }
    const verdict = corsCheck(page, res.headers as Record<string, string | string[]>)
    for (const engine of engines) {
      if (!verdict.ok && !failed.has(engine)) failed.set(engine, { failure: verdict, preflight: false, status: res.status })
    }
    const location = redirectTarget(res)
    if (verdict.ok && location !== null) {
      redirected = `redirected (HTTP ${res.status} to ${location}): the browser follows it in CORS mode, and the next answer must pass the same checks (with Origin: null if it leaves this origin's server for another)`
      report.fix = `run check on ${new URL(location, url).href}, or call that URL in fetch() directly`
    } else if (verdict.ok) {
      report.readable = readableHeaders(page, res.headers as Record<string, string | string[]>)
    }
    if (page.credentials === true && verdict.ok) {
      const note = await crossSiteCookies(url, origin)
      if (note !== null) report.notes.push(note)
    }
  }

  for (const engine of engines) {
    const f = failed.get(engine)
    if (f === undefined) {
      report.engines[engine] = redirected !== null
        ? { allowed: false, verdict: redirected }
        : { allowed: true, verdict: `allowed: the page may read the response (HTTP ${(report.actual as Exchange).response.status})` }
      report.console[engine] = ''
      continue
    }
    report.engines[engine] = { allowed: false, verdict: `blocked${f.preflight ? ' at the preflight' : ''}: ${f.failure.reason.replace(/^preflight: /, '')}` }
    const wording: ConsoleFailure = { ...f.failure, url: url.href, origin, preflight: f.preflight, status: f.status }
    report.console[engine] = ENGINES[engine].console(wording).join('\n')
    if (report.fix === null && f.failure.kind !== 'redirect') report.fix = fixFor(f.failure, f.preflight, origin)
  }
  report.allowed = engines.every((e) => report.engines[e]?.allowed === true)
  report.verdict = summary(engines, report.engines)
  return report
}

/** Where a 3xx answer sends the browser; null when it is no redirect. */
function redirectTarget (res: { status: number, headers: IncomingHttpHeaders }): string | null {
  return res.status >= 300 && res.status < 400 && res.headers.location !== undefined ? res.headers.location : null
}

/** "chromium, firefox and webkit" */
function names (engines: readonly EngineName[]): string {
  return engines.length === 1 ? engines[0] : `${engines.slice(0, -1).join(', ')} and ${engines[engines.length - 1]}`
}

/** The shared verdict, or which engines decide what when they disagree (no two profiles do today). */
export function summary (engines: readonly EngineName[], verdicts: CheckReport['engines']): string {
  const groups = new Map<string, EngineName[]>()
  for (const engine of engines) {
    const verdict = (verdicts[engine] as EngineReport).verdict
    groups.set(verdict, [...(groups.get(verdict) ?? []), engine])
  }
  if (groups.size === 1) return [...groups.keys()][0]
  // No two profiles in engines.ts decide differently today (each difference measured so far is a
  // note, not a verdict); kept so that a profile which does is reported by engine, not hidden.
  return 'engines disagree: ' + [...groups].map(([verdict, which]) => `${names(which)}: ${verdict}`).join('; ')
}

/**
 * Engines differ on cookies for a page on another site: said when the page's site (scheme and
 * registrable domain, from the Public Suffix List) is not the API's.
 */
async function crossSiteCookies (url: URL, origin: string): Promise<string | null> {
  const page = new URL(origin)
  // c8 reports a branch on this line that is not in the source (the transpiled import()).
  /* c8 ignore next */
  const { getDomain } = await import('tldts')
  const site = (u: URL): string => `${u.protocol}//${getDomain(u.hostname, { allowPrivateDomains: true }) ?? u.hostname}`
  if (site(page) === site(url)) return null
  return `the page (${site(page)}) is on another site than ${site(url)}: Safari (WebKit) sends no cookies with this request, ` +
    'Chromium only cookies set as Partitioned, Firefox only those set while a page of this site was open (partitioned); ' +
    "an answer that depends on a cookie differs per engine. Serve the API on the page's site (api.example.com for app.example.com)"
}
