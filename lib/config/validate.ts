// lib/config: options in: a policy as written, checked (every problem at once), merged and compiled.
import { fromFastifyCors } from './compat.js'
import { checkOriginEntry, checkOriginRegExp, regExpShapeProblem } from '../origins/origin-entry.js'
import { coversPublicSuffix, parsePattern, validPattern } from '../origins/origin-pattern.js'
import { openSuffixes } from '../origins/regexp-suffix.js'
import { Problems } from '../shared/problems.js'
import { FIELD_CHECKS, FIELD_EXPECTS, POLICY_FIELDS, REGISTRATION_FIELDS } from './fields.js'
import type { CorsOptions, CorsPolicy } from './schema.js'
import type { OriginFunction } from '../origins/origin-types.js'

const OPTION_FIELDS = [...POLICY_FIELDS, ...REGISTRATION_FIELDS]

/**
 * The @fastify/cors callback form `(origin, cb)`, recognised by its second parameter's name (an
 * origin function here takes `(origin, request)`): it is adapted, so it calls back as there.
 */
const CALLBACK_STYLE = /^(?:async\s*)?(?:function\s*[\w$]*\s*)?\(\s*[\w$]+\s*,\s*(?:cb|callback|done|next)\s*\)/

/** Methods a page can never send (Fetch standard, forbidden method). */
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK'])

/**
 * Request headers the browser sets itself (Fetch standard, forbidden request-header), lowercase;
 * its two Access-Control-Request-* names are refused with every Access-Control-* name instead.
 */
const FORBIDDEN_REQUEST_HEADERS = new Set(['accept-charset', 'accept-encoding',
  'connection', 'content-length', 'cookie', 'cookie2', 'date', 'dnt', 'expect',
  'host', 'keep-alive', 'origin', 'referer', 'set-cookie', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'via'])

/** RFC 9110 token: what a method or header name may be made of. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/** A short, safe rendering of a received value for error messages. */
export function describe (value: unknown): string {
  if (typeof value === 'function') return 'a function'
  if (value instanceof RegExp) return String(value)
  if (typeof value === 'string') return `'${value.length > 80 ? value.slice(0, 80) + '…' : value}'`
  if (Array.isArray(value)) return '[' + value.slice(0, 5).map(describe).join(', ') + (value.length > 5 ? ', …' : '') + ']'
  if (value === null || typeof value !== 'object') return String(value)
  return 'an object'
}

function distance (a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1))
      prev = cur
    }
  }
  return row[b.length]
}

function suggest (key: string): string {
  const lower = key.toLowerCase()
  const best = OPTION_FIELDS.find((f) => distance(f.toLowerCase(), lower) <= 2)
  return best === undefined ? `known fields: ${POLICY_FIELDS.join(', ')}` : `did you mean '${best}'?`
}

type CallbackOrigin = (origin: string, callback: (err: Error | null, answer?: unknown) => void) => unknown
const adapted = new WeakMap<CallbackOrigin, OriginFunction>()

/**
 * Wraps a callback-style origin function as a promise-returning one. One wrapper per function,
 * so routes that share it share one matcher. Its answer may be any @fastify/cors origin value.
 */
function fromCallback (fn: CallbackOrigin): OriginFunction {
  let wrapped = adapted.get(fn)
  if (wrapped === undefined) {
    wrapped = function (this: unknown, origin: string) {
      return new Promise<boolean>((resolve, reject) => {
        const returned = fn.call(this, origin, (err, answer) => { if (err !== null && err !== undefined) reject(err); else resolve(answer as boolean) })
        // An async callback function may also resolve its answer.
        if (returned instanceof Promise) returned.then((answer) => { if (answer !== undefined) resolve(answer) }, reject)
      })
    }
    adapted.set(fn, wrapped)
  }
  return wrapped
}

/**
 * Reads one policy object as written (a registration's options or a route's `cors`), before
 * merging: maps @fastify/cors shapes, then checks it, reporting every problem at once. Returns
 * the policy to use (a new object when mapped). `where` names it in errors: "registration at /"
 * or "route PUT /users/:id". Registration options (preflight, logLevel, ...) are allowed only
 * when `route` is false.
 */
export function readPolicy (input: unknown, where: string, route = false, found?: Problems): CorsOptions {
  const problems = found ?? new Problems(where)
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    problems.invalid(`expected an object of policy fields, received ${describe(input)}` +
      (typeof input === 'function' ? ' (a @fastify/cors options function: see `delegator` in the README\'s migration section)' : ''))
    problems.throwIfAny()
  }
  const policy = fromFastifyCors(input as Record<string, unknown>, problems, route)
  const fields = route ? POLICY_FIELDS : OPTION_FIELDS
  for (const key of Object.keys(policy)) {
    if (!(fields as string[]).includes(key)) {
      problems.invalid(`unknown field '${key}'; ${suggest(key)}`)
      delete policy[key]
    }
  }
  const value = policy as CorsOptions
  // Unknown fields were removed above, so every key is a known field. Undefined means "not set".
  for (const field of Object.keys(policy) as Array<keyof CorsOptions>) {
    if (policy[field] === undefined || FIELD_CHECKS[field](policy[field])) continue
    problems.invalid(`field '${field}' must be ${FIELD_EXPECTS[field]}, received ${describe(policy[field])}`)
    delete policy[field]
  }
  const origin = value.origin
  if (typeof origin === 'function' && CALLBACK_STYLE.test(Function.prototype.toString.call(origin))) {
    value.origin = fromCallback(origin as unknown as CallbackOrigin)
  }
  if (typeof origin === 'string' && origin !== '*') checkOriginEntry(origin, problems)
  if (origin instanceof RegExp) checkOriginRegExp(origin, problems)
  if (Array.isArray(origin)) {
    if (origin.length === 0) {
      problems.invalid("field 'origin' is an empty list, which allows no origin; use `cors: false` to turn CORS off")
    }
    for (const item of origin) {
      if (typeof item === 'string') checkOriginEntry(item, problems)
      else if (item instanceof RegExp) checkOriginRegExp(item, problems)
      // An OriginSet checks each origin as it is added.
    }
  }
  if (Array.isArray(value.methods)) {
    for (const method of value.methods) {
      if (method === '*') {
        problems.invalid("field 'methods' contains '*'; use methods: 'auto' to allow the methods registered on the path")
      } else if (!TOKEN.test(method)) {
        problems.invalid(`field 'methods' contains ${describe(method)}, which is not a valid HTTP method name`)
      } else if (FORBIDDEN_METHODS.has(method.toUpperCase())) {
        problems.invalid(`field 'methods' contains '${method}', a method the Fetch standard forbids pages to send; remove it`)
      }
    }
  }
  for (const field of ['allowedHeaders', 'exposedHeaders'] as const) {
    const list = value[field]
    if (!Array.isArray(list)) continue
    for (const name of list) {
      const lower = name.toLowerCase()
      if (!TOKEN.test(name)) problems.invalid(`field '${field}' contains ${describe(name)}, which is not a valid header name`)
      else if (lower.startsWith('access-control-')) {
        problems.invalid(`field '${field}' contains '${name}': Access-Control-* headers are the CORS protocol's own, never a page's or a response's payload; remove it`)
      } else if (field === 'allowedHeaders' && (FORBIDDEN_REQUEST_HEADERS.has(lower) || lower.startsWith('proxy-') || lower.startsWith('sec-'))) {
        problems.invalid(`field 'allowedHeaders' contains '${name}', a header the browser sets itself and pages cannot send (Fetch: forbidden request-header); remove it`)
      } else if (field === 'exposedHeaders' && (lower === 'set-cookie' || lower === 'set-cookie2')) {
        problems.invalid(`field 'exposedHeaders' contains '${name}', which browsers never expose to pages; remove it`)
      }
    }
  }
  if (value.reportOnly !== undefined) {
    // The candidate is checked with the same rules, its problems named as its own.
    const inner = new Problems(where)
    const candidate = readPolicy(value.reportOnly, where, true, inner) as CorsPolicy
    if (candidate.reportOnly !== undefined) {
      inner.invalid("field 'reportOnly' cannot hold a candidate of its own")
      delete candidate.reportOnly
    }
    value.reportOnly = candidate
    problems.adopt(inner, 'reportOnly: ')
  }
  // A caller that passes its own Problems adds the RegExp analysis's findings, then throws.
  if (found === undefined) problems.throwIfAny()
  return value
}

/** The well-shaped RegExps in a read policy's `origin`, for the backtracking analysis. */
export function regExpsOf (policy: CorsPolicy): RegExp[] {
  return allOrigins(policy).filter((o): o is RegExp => o instanceof RegExp && regExpShapeProblem(o) === null)
}

function originList (policy: CorsPolicy): unknown[] {
  return Array.isArray(policy.origin) ? policy.origin : [policy.origin]
}

/** The origins of a read policy and of its report-only candidate: both are analysed. */
function allOrigins (policy: CorsPolicy): unknown[] {
  return policy.reportOnly === undefined ? originList(policy) : [...originList(policy), ...originList(policy.reportOnly)]
}

/** Checks a policy after merging: combinations that are unsafe or that no browser honours. */
export function checkMerged (policy: CorsPolicy, where: string): void {
  const problems = new Problems(where)
  if (policy.allowNullOrigin !== true && originList(policy).includes('null')) {
    problems.unsafe("origin 'null' is refused: sandboxed iframes, file: pages and some redirects send " +
      '`Origin: null`, and any site can create one; set allowNullOrigin: true if you really mean it')
  }
  if (policy.credentials === true) {
    if (policy.origin === undefined || policy.origin === '*') {
      problems.unsafe("origin '*' with credentials: true is refused: browsers reject it, and echoing " +
        'every origin with credentials lets any site act as your users; list the origins you trust, e.g. ' +
        "origin: ['https://app.example.com'], or drop credentials")
    } else if (policy.origin === true) {
      problems.unsafe('origin: true (reflect every origin) with credentials: true is refused: it lets any site act as ' +
        "your users; list the origins you trust, e.g. origin: ['https://app.example.com'], or drop credentials")
    }
    if (policy.exposedHeaders === '*') {
      problems.unsafe("exposedHeaders '*' with credentials: true is refused: with credentials the browser " +
        "reads '*' as a header literally named '*', exposing nothing; list the header names instead")
    }
  }
  problems.throwIfAny()
}

/** Loopback hosts: localhost and *.localhost, 127.0.0.0/8, [::1]. Traffic never leaves the machine. */
function loopback (hostname: string): boolean {
  return hostname === 'localhost' || hostname.endsWith('.localhost') || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname)
}

/** Plain-http origins and patterns allowed with credentials (loopback excepted): worth a startup warning. */
export function insecureOrigins (policy: CorsPolicy): string[] {
  if (policy.credentials !== true) return []
  return originList(policy).filter((o): o is string => {
    if (typeof o !== 'string' || !o.startsWith('http://')) return false
    const host = o.includes('*') ? validPattern(o).host : new URL(o).hostname
    return !loopback(host)
  })
}

/** An origin entry the Public Suffix List must judge, with the patterns it admits what they admit. */
export interface SuffixEntry { origin: string | RegExp, patterns: string[] }

/**
 * The entries of a checked policy that may leave a whole public suffix open: subdomain patterns
 * (`https://*.example.com`), and well-shaped RegExps that admit made-up sites under a suffix
 * (as the patterns they behave like). Most policies have none: the list is then not loaded.
 */
export function suffixEntries (policy: CorsPolicy): SuffixEntry[] {
  const entries: SuffixEntry[] = []
  for (const o of originList(policy)) {
    if (typeof o === 'string' && o.includes('*.')) entries.push({ origin: o, patterns: [o] })
    else if (o instanceof RegExp && regExpShapeProblem(o) === null) {
      const patterns = openSuffixes(o)
      if (patterns.length > 0) entries.push({ origin: o, patterns })
    }
  }
  return entries
}

/** How a problem names an entry: `origin pattern 'https://*.com'`, or `origin /…/ (as 'https://*.com')`. */
function named (origin: string | RegExp, like: string): string {
  return typeof origin === 'string' ? `origin pattern '${origin}'` : `origin ${String(origin)} (it admits what '${like}' admits)`
}

/**
 * Refuses, with credentials, entries that cover a whole public suffix (`https://*.github.io`,
 * /^https:\/\/[a-z0-9-]+\.github\.io$/); returns those allowed without credentials, named, to
 * warn about. loadPublicSuffixList() must have been awaited. `where` prefixes each problem.
 */
export function checkPublicSuffixes (policy: CorsPolicy, entries: readonly SuffixEntry[], problems: Problems, where = ''): string[] {
  const covering: string[] = []
  for (const { origin, patterns } of entries) {
    // Malformed patterns are reported by readPolicy(); here they are skipped.
    const like = patterns.find((o) => {
      const pattern = parsePattern(o, new Problems(''))
      return pattern !== null && coversPublicSuffix(pattern)
    })
    if (like !== undefined) covering.push(named(origin, like))
  }
  if (policy.credentials !== true) return covering
  for (const entry of covering) {
    problems.unsafe(`${where}${entry} with credentials: true is refused: it covers a whole public suffix ` +
      '(Public Suffix List), where anyone can register a name and act as your users from it; ' +
      "name your own domain, e.g. 'https://*.example.com', or list the origins")
  }
  return []
}
