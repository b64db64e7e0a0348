import { TypeCompiler, type ValueError } from '@sinclair/typebox/compiler'
import { FST_CORS_INVALID_OPTION, FST_CORS_UNSAFE_POLICY } from './errors.js'
import { fromFastifyCors } from './compat.js'
import { checkOriginEntry, checkOriginRegExp } from './origin.js'
import { CorsPolicySchema, FIELD_EXPECTS, POLICY_FIELDS, type CorsPolicy } from './schema.js'

// Compiled once at module load; every registration reuses it.
const policyCheck = TypeCompiler.Compile(CorsPolicySchema)

/**
 * The @fastify/cors callback form `(origin, cb)`: here the second argument is the request, so
 * calling it back would throw later, outside any handler. Recognised by its parameter's name.
 */
const CALLBACK_STYLE = /^(?:async\s*)?(?:function\s*[\w$]*\s*)?\(\s*[\w$]+\s*,\s*(?:cb|callback|done|next)\s*\)/

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
  const best = POLICY_FIELDS.find((f) => f.toLowerCase() === lower || distance(f.toLowerCase(), lower) <= 2)
  return best === undefined ? `known fields: ${POLICY_FIELDS.join(', ')}` : `did you mean '${best}'?`
}

/**
 * Reads one policy object as written (global options or a route's `cors`), before merging: maps
 * @fastify/cors shapes, then checks it. Returns the policy to use (a new object when mapped).
 * `where` names it in errors: "global options" or "route PUT /users/:id".
 */
export function readPolicy (input: unknown, where: string): CorsPolicy {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new FST_CORS_INVALID_OPTION(where, `expected an object of policy fields, received ${describe(input)}`)
  }
  const policy = fromFastifyCors(input as Record<string, unknown>, where)
  const value = policy as CorsPolicy
  for (const key of Object.keys(policy)) {
    if (!(POLICY_FIELDS as string[]).includes(key)) {
      throw new FST_CORS_INVALID_OPTION(where, `unknown field '${key}'; ${suggest(key)}`)
    }
  }
  if (!policyCheck.Check(value)) {
    // Check() failed, so there is a first error; unknown fields were refused above, so it is
    // below a known top-level field.
    const error = policyCheck.Errors(value).First() as ValueError
    const field = error.path.split('/')[1] as keyof CorsPolicy
    throw new FST_CORS_INVALID_OPTION(where, `field '${field}' must be ${FIELD_EXPECTS[field]}, received ${describe(policy[field])}`)
  }
  const origin = value.origin
  if (typeof origin === 'function' && CALLBACK_STYLE.test(Function.prototype.toString.call(origin))) {
    throw new FST_CORS_INVALID_OPTION(where, "field 'origin' is a callback-style function (origin, cb): here an origin function " +
      'is (origin, request) => boolean | Promise<boolean>; return the answer instead of calling back')
  }
  if (typeof origin === 'string' && origin !== '*') checkOriginEntry(origin, where)
  if (origin instanceof RegExp) checkOriginRegExp(origin, where)
  if (Array.isArray(origin)) {
    if (origin.length === 0) {
      throw new FST_CORS_INVALID_OPTION(where, "field 'origin' is an empty list, which allows no origin; use `cors: false` to turn CORS off")
    }
    for (const item of origin) {
      if (typeof item === 'string') checkOriginEntry(item, where)
      else checkOriginRegExp(item, where)
    }
  }
  if (Array.isArray(value.methods)) {
    for (const method of value.methods) {
      if (method === '*') {
        throw new FST_CORS_INVALID_OPTION(where, "field 'methods' contains '*'; use methods: 'auto' to allow the methods registered on the path")
      }
      if (!TOKEN.test(method)) {
        throw new FST_CORS_INVALID_OPTION(where, `field 'methods' contains ${describe(method)}, which is not a valid HTTP method name`)
      }
    }
  }
  for (const field of ['allowedHeaders', 'exposedHeaders'] as const) {
    const list = value[field]
    if (!Array.isArray(list)) continue
    for (const name of list) {
      if (!TOKEN.test(name)) {
        throw new FST_CORS_INVALID_OPTION(where, `field '${field}' contains ${describe(name)}, which is not a valid header name`)
      }
    }
  }
  return value
}

function originList (policy: CorsPolicy): unknown[] {
  return Array.isArray(policy.origin) ? policy.origin : [policy.origin]
}

/** Checks a policy after merging: combinations that are unsafe or that no browser honours. */
export function checkMerged (policy: CorsPolicy, where: string): void {
  if (policy.allowNullOrigin !== true && originList(policy).includes('null')) {
    throw new FST_CORS_UNSAFE_POLICY(where, "origin 'null' is refused: sandboxed iframes, file: pages and some redirects send " +
      '`Origin: null`, and any site can create one; set allowNullOrigin: true if you really mean it')
  }
  if (policy.credentials !== true) return
  if (policy.origin === undefined || policy.origin === '*') {
    throw new FST_CORS_UNSAFE_POLICY(where, "origin '*' with credentials: true is refused: browsers reject it, and echoing " +
      'every origin with credentials lets any site act as your users; list the origins you trust, e.g. ' +
      "origin: ['https://app.example.com'], or drop credentials")
  }
  if (policy.exposedHeaders === '*') {
    throw new FST_CORS_UNSAFE_POLICY(where, "exposedHeaders '*' with credentials: true is refused: with credentials the browser " +
      "reads '*' as a header literally named '*', exposing nothing; list the header names instead")
  }
}

/** Loopback hosts: localhost and *.localhost, 127.0.0.0/8, [::1]. Traffic never leaves the machine. */
function loopback (hostname: string): boolean {
  return hostname === 'localhost' || hostname.endsWith('.localhost') || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname)
}

/** Plain-http origins allowed with credentials (loopback excepted): worth a startup warning. */
export function insecureOrigins (policy: CorsPolicy): string[] {
  if (policy.credentials !== true) return []
  return originList(policy).filter((o): o is string =>
    typeof o === 'string' && o.startsWith('http://') && !loopback(new URL(o).hostname))
}
