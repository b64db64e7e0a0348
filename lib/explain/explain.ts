// lib/explain: why: explain(), policies() and printPolicies(), from the request path's own answers.
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { runOriginFunction } from '../serve/actual.js'
import { engineNotes } from '../browser/engines.js'
import { corsCheck, needsPreflight, preflightCheck, preflightHeaders, type PageRequest, type ResponseHeaders } from '../browser/fetch-model.js'
import type { CompiledPolicy } from '../config/policy.js'
import type { ReportRow } from '../shared/report.js'
import { findEntry, policyOf, routesOf, type PathEntry, type PathTable } from '../serve/paths.js'
import type { CorsPolicy } from '../config/schema.js'
import { EXPLAIN_HEADER, explainSecret, FIX_HEADER, REASON_HEADER } from '../serve/preflight.js'
import { crossOriginWrites } from '../config/policy.js'
import { SAFE_METHODS, trusted, writeRefused } from '../guard/cross-origin-writes.js'
import { corsOff, credentialsOff, credentialsWithWildcard, noRoute, originRefused, type Refusal } from '../serve/fixes.js'

/** A preflight carrying this header with this process's secret gets its denial reason back. */

/** The request a page would make, as `fastify.cors.explain()` takes it. */
export interface ExplainInput {
  method: string
  url: string
  origin: string
  /** Request headers the page sets (fetch's `headers`). */
  headers?: Record<string, string>
  /** fetch's `credentials: 'include'`. */
  credentials?: boolean
  /**
   * How the page sends it. `'fetch'` (default): a CORS request, which may be preflighted and
   * whose answer the page may or may not read. The others are sent from a page on another site
   * without any preflight, with the user's cookies, and the page never reads the answer: a
   * `<form>` post, `fetch(url, { mode: 'no-cors' })`, `navigator.sendBeacon()`, `new WebSocket()`.
   * For those, `write` says whether the handler runs.
   */
  kind?: 'fetch' | 'form' | 'no-cors' | 'beacon' | 'websocket'
}

export interface Explanation {
  /** The policy that applies: who decided, and the merged fields (null when CORS is off). */
  policy: { source: string, effective: CorsPolicy | null }
  /** The preflight the browser sends first, if any, and what the plugin answered. */
  preflight: { sent: false } | { sent: true, request: { method: 'OPTIONS', url: string, headers: Record<string, string> }, response: { status: number, headers: Record<string, string> } }
  /** The CORS headers of the actual response (worked out, not sent: the handler is not run). */
  actual: { headers: Record<string, string> } | null
  /** Whether the page may read the response. */
  allowed: boolean
  /** Why, in one sentence. */
  reason: string
  /**
   * When blocked: one concrete change that would let the request through, naming the policy, the
   * field and the value (or saying the refusal is what the policy intends). Null when allowed.
   */
  fix: string | null
  /**
   * When allowed: where browser engines differ on this request (a maxAge some engine cuts short,
   * cookies for pages on another site). Empty when they do not.
   */
  notes: string[]
  /** For a form post, a no-cors fetch, a beacon or a WebSocket: whether the handler runs, why, and what to change. */
  write?: { runs: boolean, reason: string, fix: string | null }
}

export interface PolicyRow {
  method: string
  url: string
  source: string
  effective: CorsPolicy | null
  /** Whether writes from origins the policy does not admit are refused (403); null when CORS is off. */
  crossOriginWrites: 'refuse' | 'allow' | null
}

function corsOnly (headers: ResponseHeaders): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith('access-control-') || name === 'vary') out[name] = String(value)
  }
  return out
}

function actualHeaders (policy: CompiledPolicy, origin: string, allowed: boolean): Record<string, string> {
  const headers: Record<string, string> = {}
  if (!policy.public) headers.vary = 'Origin'
  if (!allowed) return headers
  headers['access-control-allow-origin'] = policy.public ? '*' : origin
  if (policy.credentials) headers['access-control-allow-credentials'] = 'true'
  if (policy.exposeHeaders !== null) headers['access-control-expose-headers'] = policy.exposeHeaders
  return headers
}

/** Answers "why was this blocked?" for one request a page would make. */
export async function explain (fastify: FastifyInstance, table: PathTable, global: CompiledPolicy | false, label: string, input: ExplainInput): Promise<Explanation> {
  const headers = Object.fromEntries(Object.entries(input.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]))
  const page: PageRequest = { method: input.method, origin: input.origin, headers, credentials: input.credentials === true }
  const entry = findEntry(table, input.url)
  const route = entry === null ? undefined : policyOf(entry, input.method)
  const policy = route ?? global
  const source = route === undefined
    ? `no route ${input.method} ${input.url} in scope, so its 404 answer uses the ${label}`
    : route === false ? `route ${input.method} ${(entry as PathEntry).url} (cors: false)` : route.label
  const result: Explanation = {
    policy: { source, effective: policy === false ? null : policy.source },
    preflight: { sent: false },
    actual: null,
    allowed: false,
    reason: '',
    fix: null,
    notes: []
  }
  if (input.kind !== undefined && input.kind !== 'fetch') return explainWrite(fastify, result, policy, input)
  if (needsPreflight(page)) {
    const sent = preflightHeaders(page)
    const res = await fastify.inject({ method: 'OPTIONS', url: input.url, headers: { ...sent, [EXPLAIN_HEADER]: await explainSecret() } })
    result.preflight = { sent: true, request: { method: 'OPTIONS', url: input.url, headers: sent }, response: { status: res.statusCode, headers: corsOnly(res.headers) } }
    const verdict = preflightCheck(page, res.statusCode, res.headers)
    if (!verdict.ok) {
      const told = res.headers[REASON_HEADER]
      // The plugin names what it refused. Otherwise it did not answer (no route), or the browser
      // refused an answer the plugin approved.
      const refusal: Refusal = told !== undefined
        ? { reason: String(told), fix: String(res.headers[FIX_HEADER]) }
        : route === undefined
          ? noRoute(input.method, input.url, []) // a path with routes: the plugin would have told
          : browserRefusal(policy as CompiledPolicy)
      result.reason = `blocked at the preflight: ${refusal.reason}`
      result.fix = refusal.fix
      return result
    }
  }
  if (policy === false) {
    result.actual = { headers: {} }
    result.reason = `blocked: CORS is off for ${source}`
    result.fix = corsOff(input.method, (entry as PathEntry).url).fix
    return result
  }
  const request = { headers: { ...headers, origin: input.origin }, method: input.method, url: input.url, log: fastify.log, server: fastify } as unknown as FastifyRequest
  const allowed = policy.matcher.fn === null ? policy.matcher.test(input.origin) : await runOriginFunction(policy, input.origin, request)
  const responseHeaders = actualHeaders(policy, input.origin, allowed)
  result.actual = { headers: responseHeaders }
  const verdict = corsCheck(page, responseHeaders)
  result.allowed = verdict.ok
  if (verdict.ok) {
    result.reason = `allowed by ${policy.label}`
    result.notes = engineNotes({ maxAge: result.preflight.sent ? policy.source.maxAge : undefined, credentials: page.credentials === true })
    return result
  }
  const refusal = allowed ? browserRefusal(policy) : originRefused(policy, input.origin)
  result.reason = `blocked: ${refusal.reason}`
  result.fix = refusal.fix
  return result
}

const SENT = { form: 'a form post', 'no-cors': 'a no-cors fetch', beacon: 'a beacon', websocket: 'a WebSocket handshake' }

/**
 * A write a page on another site sends without a preflight: whether the handler runs, judged as
 * the write guard judges it (the page is taken to be on another site: Sec-Fetch-Site cross-site).
 */
async function explainWrite (fastify: FastifyInstance, result: Explanation, policy: CompiledPolicy | false, input: ExplainInput): Promise<Explanation> {
  const kind = input.kind as keyof typeof SENT
  const websocket = kind === 'websocket'
  const method = websocket ? 'GET' : input.method.toUpperCase()
  const sent = `${SENT[kind]} (${method} ${input.url})`
  let runs = true
  let reason: string
  let fix: string | null = null
  if (policy === false) reason = `${sent} reaches the handler with the user's cookies: CORS is off for this route, and nothing guards its writes`
  else if (!websocket && SAFE_METHODS.has(method)) reason = `${sent} reaches the handler: ${method} only reads, so it is never refused; keep it free of side effects`
  else if (!policy.refusesWrites) {
    reason = `${sent} from '${input.origin}' reaches the handler with the user's cookies: ${policy.label} does not refuse cross-origin writes (${writesText(policy)})`
    fix = policy.matcher.any ? null : `set crossOriginWrites: 'refuse' in the policy of ${policy.label} if only the origins it admits should write here`
  } else {
    const request = { headers: { origin: input.origin }, method, url: input.url, log: fastify.log, server: fastify } as unknown as FastifyRequest
    runs = await trusted(policy, input.origin, request)
    if (runs) reason = `${sent} from '${input.origin}' reaches the handler: ${policy.label} admits that origin`
    else {
      const refusal = writeRefused(policy, { method, origin: input.origin, site: 'cross-site', websocket })
      reason = `refused with 403 before the handler: ${refusal.reason}`
      fix = refusal.fix
    }
  }
  result.write = { runs, reason, fix }
  result.allowed = websocket && runs
  result.reason = websocket ? reason : `${reason}; the page cannot read the answer (${kind === 'form' ? 'a navigation' : kind === 'beacon' ? 'no answer is given to it' : 'an opaque response'})`
  result.fix = fix
  return result
}

/**
 * Why the browser refuses an answer the plugin approved: only the credentials rules can fail
 * there (the request's credentials mode is the one thing the server is not told).
 */
function browserRefusal (policy: CompiledPolicy): Refusal {
  return policy.public ? credentialsWithWildcard(policy) : credentialsOff(policy)
}

/** Every method of every path in the table, with the policy that governs it. */
export function policies (table: PathTable): PolicyRow[] {
  const rows: PolicyRow[] = []
  for (const entry of table.entries) {
    for (const [method, policy] of routesOf(entry)) {
      rows.push({
        method,
        url: entry.url,
        source: policy === false ? 'cors: false' : policy.label,
        effective: policy === false ? null : policy.source,
        crossOriginWrites: policy === false ? null : policy.refusesWrites ? 'refuse' : 'allow'
      })
    }
  }
  return rows
}

function describeOrigin (origin: CorsPolicy['origin']): string {
  if (origin === undefined) return "'*'"
  // originLookup() describes itself (its settings and how many answers it holds).
  if (typeof origin === 'function') return Object.hasOwn(origin, 'forget') ? String(origin) : 'a function'
  if (origin === true) return 'any, reflected'
  if (Array.isArray(origin)) return origin.map((o) => String(o)).join(', ')
  return String(origin)
}

function list (value: string[] | '*' | undefined, none: string): string {
  return value === undefined || value.length === 0 ? none : value === '*' ? "'*'" : value.join(', ')
}

/** What the policy does with writes from other origins, as printPolicies() and the inspector say it. */
export function writesText (policy: CompiledPolicy): string {
  if (policy.refusesWrites) return 'refused unless the origin is admitted'
  return crossOriginWrites(policy.source) === 'refuse' ? 'nothing to refuse (every origin is admitted)' : 'allowed from any site'
}

/** Every field of an effective policy, as `field value` items. */
function fields (policy: CompiledPolicy, onPath: string[]): string[] {
  const effective = policy.source
  return [
    `origin ${describeOrigin(effective.origin)}`,
    `credentials ${effective.credentials === true ? 'yes' : 'no'}`,
    `methods ${Array.isArray(effective.methods) ? effective.methods.join(', ') : `auto (${onPath.join(', ')})`}`,
    `allowedHeaders ${effective.allowedHeaders === undefined || effective.allowedHeaders === '*' ? 'any (echoed)' : list(effective.allowedHeaders, 'none')}`,
    `exposedHeaders ${list(effective.exposedHeaders, 'none')}`,
    `maxAge ${effective.maxAge ?? 'not sent'}`,
    `cross-origin writes ${writesText(policy)}`
  ]
}

/**
 * `items` joined with '; ' into lines of at most `width` columns, breaking between items, and
 * inside an item (at a space) only when it is longer than a line.
 */
function wrap (items: string[], width: number, indent: string): string[] {
  const room = width - indent.length
  const lines: string[] = []
  let line = ''
  const push = (piece: string): void => {
    if (line !== '' && line.length + 1 + piece.length > room) {
      lines.push(indent + line)
      line = piece
    } else {
      line = line === '' ? piece : `${line} ${piece}`
    }
  }
  for (const [i, item] of items.entries()) {
    const last = i === items.length - 1
    const text = last ? item : item + ';'
    if (text.length <= room) push(text)
    else for (const word of text.split(' ')) push(word)
  }
  lines.push(indent + line)
  return lines
}

/**
 * policies() for a person, like fastify.printRoutes(): each route with the policy that governs it,
 * then every field of that policy ('auto' methods resolved to the path's methods), in 120 columns.
 */
export function printPolicies (table: PathTable): string {
  const lines: string[] = []
  for (const entry of table.entries) {
    const onPath = routesOf(entry).filter(([, policy]) => policy !== false).map(([method]) => method)
    for (const [method, policy] of routesOf(entry)) {
      lines.push(`${method} ${entry.url}  <- ${policy === false ? 'cors: false' : policy.label}`)
      lines.push(...(policy === false ? ['    off: no CORS headers, preflights refused'] : wrap(fields(policy, onPath), 120, '    ')))
      if (policy !== false) for (const note of engineNotes(policy.source)) lines.push(...wrap([`browsers differ: ${note}`], 120, '    '))
    }
  }
  return lines.join('\n') + '\n'
}

/** `fastify.cors`: answers "why was this blocked?" and lists the effective policies. */
export interface CorsTools {
  /** The policy, the preflight and the answers for a request a page would make, with the verdict. */
  explain (input: ExplainInput): Promise<Explanation>
  /** Every method of every path with a policy, and the policy that governs it. */
  policies (): PolicyRow[]
  /** policies() as a printable table. */
  printPolicies (): string
  /**
   * What the registration's policies refused, and where their report-only candidates would
   * decide otherwise, per route and reason, with the most frequent origins. Bounded in memory.
   */
  report (): ReportRow[]
  /** Forgets the report's counts (after promoting a candidate, say). */
  clearReport (): void
}
