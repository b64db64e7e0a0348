import { randomUUID } from 'node:crypto'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { runOriginFunction } from './actual.js'
import { corsCheck, needsPreflight, preflightCheck, preflightHeaders, type PageRequest, type ResponseHeaders } from './fetch-model.js'
import type { CompiledPolicy } from './policy.js'
import { findEntry, policyOf, routesOf, type PathEntry, type PathTable } from './paths.js'
import type { CorsPolicy } from './schema.js'

/** A preflight carrying this header with this process's secret gets its denial reason back. */
export const EXPLAIN_HEADER = 'x-fastify-cors-policy-explain'
export const REASON_HEADER = 'x-fastify-cors-policy-reason'
export const EXPLAIN_SECRET = randomUUID()

/** The request a page would make, as `fastify.cors.explain()` takes it. */
export interface ExplainInput {
  method: string
  url: string
  origin: string
  /** Request headers the page sets (fetch's `headers`). */
  headers?: Record<string, string>
  /** fetch's `credentials: 'include'`. */
  credentials?: boolean
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
}

export interface PolicyRow { method: string, url: string, source: string, effective: CorsPolicy | null }

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
    reason: ''
  }
  if (needsPreflight(page)) {
    const sent = preflightHeaders(page)
    const res = await fastify.inject({ method: 'OPTIONS', url: input.url, headers: { ...sent, [EXPLAIN_HEADER]: EXPLAIN_SECRET } })
    result.preflight = { sent: true, request: { method: 'OPTIONS', url: input.url, headers: sent }, response: { status: res.statusCode, headers: corsOnly(res.headers) } }
    const verdict = preflightCheck(page, res.statusCode, res.headers)
    if (!verdict.ok) {
      const told = res.headers[REASON_HEADER]
      result.reason = `blocked at the preflight: ${told === undefined ? verdict.reason : String(told)}`
      return result
    }
  }
  if (policy === false) {
    result.actual = { headers: {} }
    result.reason = `blocked: CORS is off for ${source}`
    return result
  }
  const request = { headers: { ...headers, origin: input.origin }, method: input.method, url: input.url, log: fastify.log, server: fastify } as unknown as FastifyRequest
  const allowed = policy.matcher.fn === null ? policy.matcher.test(input.origin) : await runOriginFunction(policy, input.origin, request)
  const responseHeaders = actualHeaders(policy, input.origin, allowed)
  result.actual = { headers: responseHeaders }
  const verdict = corsCheck(page, responseHeaders)
  result.allowed = verdict.ok
  result.reason = verdict.ok
    ? `allowed by ${policy.label}`
    : allowed ? `blocked: ${verdict.reason} (${policy.label})` : `blocked: origin '${input.origin}' is not allowed by ${policy.label}`
  return result
}

/** Every method of every path in the table, with the policy that governs it. */
export function policies (table: PathTable): PolicyRow[] {
  const rows: PolicyRow[] = []
  for (const entry of table.entries) {
    for (const [method, policy] of routesOf(entry)) {
      rows.push({ method, url: entry.url, source: policy === false ? 'cors: false' : policy.label, effective: policy === false ? null : policy.source })
    }
  }
  return rows
}

function describeOrigin (origin: CorsPolicy['origin']): string {
  if (origin === undefined) return "'*'"
  if (typeof origin === 'function') return 'function'
  if (Array.isArray(origin)) return '[' + origin.map((o) => String(o)).join(', ') + ']'
  return String(origin)
}

/** policies() as a printable table, like fastify.printRoutes(). */
export function printPolicies (table: PathTable): string {
  const rows = policies(table).map((r) => [
    `${r.method} ${r.url}`,
    r.source,
    r.effective === null
      ? 'off'
      : `origin ${describeOrigin(r.effective.origin)}${r.effective.credentials === true ? ', credentials' : ''}` +
      (r.effective.maxAge === undefined ? '' : `, maxAge ${r.effective.maxAge}`)
  ])
  const widths = [0, 1].map((i) => Math.max(...rows.map((r) => r[i].length), 0))
  return rows.map((r) => `${r[0].padEnd(widths[0])}  ${r[1].padEnd(widths[1])}  ${r[2]}`).join('\n') + '\n'
}
