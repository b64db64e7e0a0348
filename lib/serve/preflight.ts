import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { IncomingMessage } from 'node:http'
import { originReason, runOriginFunction, withAdmission } from './actual.js'
import type { Reason } from '../shared/report.js'
import { findEntry, policyOf, routesOf, sharedOf, type PathEntry, type PathTable } from './paths.js'
import type { CompiledList, CompiledPolicy } from '../config/policy.js'
import { corsOff, headerRefused, methodRefused, noRoute, originRefused, privateNetworkRefused, requestHeadersTooLong, type Refusal } from './fixes.js'
import { addVary } from './vary.js'

/** Methods the Fetch standard lets through a preflight whatever Access-Control-Allow-Methods says. */
// explain() replays a preflight through inject() with this secret header; the answer then names
// its reason and fix in headers no other request can ask for.
export const EXPLAIN_HEADER = 'x-fastify-cors-policy-explain'
export const REASON_HEADER = 'x-fastify-cors-policy-reason'
export const FIX_HEADER = 'x-fastify-cors-policy-fix'
/** Made at the first explain(); until then no request carries it. */
let secret: string | undefined

/** The secret explain() sends. node:crypto loads here, not at import: an ES module importing it
 * makes Node build a facade of all its exports, about 1.3 ms of a cold start (bench/README.md). */
export async function explainSecret (): Promise<string> {
  // c8 reports a branch on this line that is not in the source (the transpiled import()).
  /* c8 ignore next */
  secret ??= (await import('node:crypto')).randomUUID()
  return secret
}

const SAFELISTED_METHODS = new Set(['GET', 'HEAD', 'POST'])

/** Name of the route constraint that sends preflights, and only preflights, to our OPTIONS routes. */
export const STRATEGY = 'fastifyCorsPolicyPreflight'
const PREFLIGHT = 'preflight'

type Strategy = Parameters<FastifyInstance['addConstraintStrategy']>[0]
type Stored = NonNullable<ReturnType<ReturnType<Strategy['storage']>['get']>>

/** Where the constraint leaves the path entry it found for the handler. */
const kEntry = Symbol('fastify-cors-policy.entry')
type PreflightRequest = IncomingMessage & { [kEntry]?: PathEntry }

/**
 * find-my-way constraint strategy, one per server: our catch-all OPTIONS routes take only
 * preflights for paths in the table, so the app's own OPTIONS routes (more specific, or
 * unconstrained catch-alls) keep everything else. Each registration's route carries its own
 * value; a preflight derives 'preflight', which maps to the last one on the path: every one of
 * them reads the same table.
 */
export function preflightStrategy (table: PathTable): Strategy {
  return {
    name: STRATEGY,
    mustMatchWhenDerived: false,
    storage: preflightStore,
    deriveConstraint (req: PreflightRequest): string | undefined {
      if (req.method !== 'OPTIONS') return undefined
      // With strictPreflight, OPTIONS without the preflight headers come here too, for a 400.
      if (!table.strict && (req.headers.origin === undefined || req.headers['access-control-request-method'] === undefined)) return undefined
      const found = findEntry(table, req.url as string)
      if (found === null) return undefined
      req[kEntry] = found
      return PREFLIGHT
    }
  }
}

/** The constraint's store for one route node. Top-level functions, not closures: see scripts/eager.mjs. */
interface PreflightStore {
  readonly byValue: Map<string, Stored>
  last: Stored | null
  get: (this: PreflightStore, value: string) => Stored | null
  set: (this: PreflightStore, value: string, store: Stored) => void
}

function preflightStore (): PreflightStore {
  return { byValue: new Map(), last: null, get: storeGet, set: storeSet }
}

function storeGet (this: PreflightStore, value: string): Stored | null {
  return value === PREFLIGHT ? this.last : this.byValue.get(value) ?? null
}

function storeSet (this: PreflightStore, value: string, store: Stored): void {
  this.byValue.set(value, store)
  this.last = store
}

function deny (request: FastifyRequest, reply: FastifyReply, { reason, fix }: Refusal): FastifyReply {
  request.log.debug({ origin: request.headers.origin, reason, fix }, `fastify-cors-policy: preflight denied: ${reason}; fix: ${fix}`)
  if (explaining(request)) reply.header(REASON_HEADER, reason).header(FIX_HEADER, fix)
  // 204, not 403: the browser then reports the real cause (no Allow-Origin, or the refused
  // method or header) instead of a misleading "preflight did not have HTTP ok status".
  return reply.code(204).send()
}

// A browser sends the same few Access-Control-Request-Headers values again and again, so the
// answer to each is kept, saving a split, and for echoes a join, per preflight. Bounded in count
// and length, so hostile values cannot grow the memory: past the bounds, answers are worked out
// every time.
const MEMO_ENTRIES = 64
const MEMO_KEY_LENGTH = 256
const echoMemo = new Map<string, string>()

function remember<T> (memo: Map<string, T>, raw: string, answer: T): T {
  if (memo.size < MEMO_ENTRIES && raw.length <= MEMO_KEY_LENGTH) memo.set(raw, answer)
  return answer
}

/** Access-Control-Request-Headers as a list: lowercased, trimmed, no empty items, no duplicates. */
function echoHeaders (raw: string): string {
  const known = echoMemo.get(raw)
  if (known !== undefined) return known
  const names = new Set<string>()
  for (const item of raw.split(',')) {
    const name = item.trim().toLowerCase()
    if (name !== '') names.add(name)
  }
  return remember(echoMemo, raw, [...names].join(', '))
}

/** The first requested header not in `allowed`, or null when all are. */
function refusedHeader (raw: string, allowed: CompiledList): string | null {
  const memo = allowed.refused ??= new Map()
  const known = memo.get(raw)
  if (known !== undefined) return known
  for (const item of raw.split(',')) {
    const name = item.trim().toLowerCase()
    if (name !== '' && !allowed.set.has(name)) return remember(memo, raw, name)
  }
  return remember(memo, raw, null)
}

/**
 * Whether `other`'s methods may be listed in the answer to a preflight asked under `asked`. The
 * browser caches listed methods and allowed header names separately, for `maxAge`, and then sends
 * such requests without a new preflight. So a method is listed only if its own policy allows at
 * least what this answer lets the browser cache: credentials when `asked` has them, and every
 * header `asked` allows (an echoing policy allows any; a list must contain `asked`'s list).
 */
function cacheSafe (other: CompiledPolicy, asked: CompiledPolicy): boolean {
  if (asked.credentials && !other.credentials) return false
  if (other.allowHeaderList === null) return true
  if (asked.allowHeaderList === null) return false
  for (const name of asked.allowHeaderList.set) if (!other.allowHeaderList.set.has(name)) return false
  return true
}

/** `'auto'` methods: those on the path whose policy admits this origin and is cache-safe. */
function autoMethods (entry: PathEntry, policy: CompiledPolicy, origin: string, request: FastifyRequest): string | Promise<string> {
  const groups = sharedOf(entry).groups
  if (groups.length === 1) return groups[0].methods
  let pending = false
  const answers = groups.map(({ policy: other }): boolean | Promise<boolean> => {
    if (!cacheSafe(other, policy)) return false
    if (other.matcher === policy.matcher) return true
    if (other.matcher.fn === null) return other.matcher.test(origin)
    pending = true
    return runOriginFunction(other, origin, request)
  })
  const listed = (oks: boolean[]): string => groups.filter((_, i) => oks[i]).map((g) => g.methods).join(', ')
  return pending ? Promise.all(answers).then(listed) : listed(answers as boolean[])
}

/**
 * Longest Access-Control-Request-Headers answered. A browser lists only the unsafe header names a
 * page sets; past this the value is refused without being split (an app that raises Node's
 * header limit would otherwise let one request cost megabytes of garbage).
 */
export const MAX_REQUEST_HEADERS = 4096

/** A refused preflight's reason, fix, and kind (the report's and the events' `reason`). */
interface Failure extends Refusal { kind: Reason }

/** Why a preflight from an allowed origin fails on the method, a header or private network access; null if it does not. */
function failure (policy: CompiledPolicy, method: string, raw: string | undefined, privateNetwork: boolean): Failure | null {
  if (policy.methodSet !== null && !policy.methodSet.has(method) && !SAFELISTED_METHODS.has(method)) return { ...methodRefused(policy, method), kind: 'method' }
  if (raw !== undefined && raw.length > MAX_REQUEST_HEADERS) return { ...requestHeadersTooLong(raw.length, MAX_REQUEST_HEADERS), kind: 'invalid' }
  if (raw !== undefined && policy.allowHeaderList !== null) {
    const refused = refusedHeader(raw, policy.allowHeaderList)
    if (refused !== null) return { ...headerRefused(policy, refused), kind: 'headers' }
  }
  if (privateNetwork && !policy.privateNetwork) return { ...privateNetworkRefused(policy), kind: 'private-network' }
  return null
}

/**
 * The report-only candidate's verdict on a preflight, compared with the enforced one (`enforced`:
 * the reason it refused, or null): differences are reported; the answer is not touched.
 */
function compareCandidate (policy: CompiledPolicy, entry: PathEntry, request: FastifyRequest, origin: string, method: string, enforced: Reason | null): void {
  const candidate = policy.candidate as CompiledPolicy | false
  const raw = request.headers['access-control-request-headers']
  const privateNetwork = request.headers['access-control-request-private-network'] === 'true'
  withAdmission(candidate, origin, request, (admitted) => {
    const would = !admitted ? originReason(origin) : failure(candidate as CompiledPolicy, method, raw, privateNetwork)?.kind ?? null
    if ((would === null) === (enforced === null)) return
    policy.report.differs(request, origin, (would ?? enforced) as Reason, true, { method, url: entry.url }, enforced === null ? 'allowed' : 'refused', policy.label)
  })
}

/** explain()'s own preflight (it carries this process's secret): answered, never counted. */
function explaining (request: FastifyRequest): boolean {
  return secret !== undefined && request.headers[EXPLAIN_HEADER] === secret
}

/** A refusal of the enforced policy: counted, published, the candidate compared; then the answer. */
function refuse (policy: CompiledPolicy, entry: PathEntry, request: FastifyRequest, reply: FastifyReply, origin: string, method: string, why: Failure): void {
  if (!explaining(request)) {
    if (policy.report.wanted) policy.report.refused(request, origin, why.kind, true, { method, url: entry.url })
    if (policy.candidate !== null) compareCandidate(policy, entry, request, origin, method, why.kind)
  }
  deny(request, reply, why)
}

/**
 * Answers a preflight whose origin the policy allows. When it fails on the method, a header or
 * private network access, the answer still carries the origin, credentials, methods and headers
 * the policy allows (never Max-Age or Allow-Private-Network), so the browser's console names the
 * refused method or header instead of a missing Access-Control-Allow-Origin. This opens nothing:
 * the browser's CORS-preflight fetch fails on that same check, and a failed preflight creates no
 * preflight-cache entry (Fetch standard, CORS-preflight fetch).
 */
function approve (entry: PathEntry, policy: CompiledPolicy, request: FastifyRequest, reply: FastifyReply,
  origin: string, method: string, done: () => void): void {
  const raw = request.headers['access-control-request-headers']
  const privateNetwork = request.headers['access-control-request-private-network'] === 'true'
  const failed = failure(policy, method, raw, privateNetwork)
  const methods = policy.methods ?? autoMethods(entry, policy, origin, request)
  const finish = (allowMethods: string): void => {
    reply.header('access-control-allow-origin', policy.public ? '*' : origin)
    if (policy.credentials) reply.header('access-control-allow-credentials', 'true')
    reply.header('access-control-allow-methods', allowMethods)
    const allowHeaders = policy.allowHeaders ?? (raw === undefined || raw.length > MAX_REQUEST_HEADERS ? '' : echoHeaders(raw))
    if (allowHeaders !== '') reply.header('access-control-allow-headers', allowHeaders)
    if (failed !== null) {
      refuse(policy, entry, request, reply, origin, method, failed)
      return
    }
    if (policy.candidate !== null && !explaining(request)) compareCandidate(policy, entry, request, origin, method, null)
    if (policy.maxAge !== null) reply.header('access-control-max-age', policy.maxAge)
    if (privateNetwork) reply.header('access-control-allow-private-network', 'true')
    if (policy.cacheControl !== null) reply.header('cache-control', policy.cacheControl)
    if (policy.preflightContinue) done()
    else reply.code(policy.successStatus).send()
  }
  if (typeof methods === 'string') finish(methods)
  else methods.then(finish)
}

/**
 * The onRequest hook of a registration's preflight routes, first in their scope. The constraint
 * routes only preflights there (and, with strictPreflight on any registration, OPTIONS requests
 * lacking the preflight headers), for paths in the table, and leaves the path's entry on the raw
 * request. It replies, or with preflightContinue lets the request go on to the handler below.
 */
export function preflightHook (strict: boolean): (request: FastifyRequest, reply: FastifyReply, done: () => void) => void {
  return function answerPreflight (request, reply, done) {
    const entry = (request.raw as PreflightRequest)[kEntry] as PathEntry
    const origin = request.headers.origin
    const method = request.headers['access-control-request-method']
    if (origin === undefined || method === undefined) {
      if (strict) reply.code(400).type('text/plain').send('Invalid Preflight Request')
      else reply.callNotFound()
      return
    }
    addVary(reply, sharedOf(entry).vary)
    const policy = policyOf(entry, method)
    if (policy === undefined) {
      deny(request, reply, noRoute(method, entry.url, routesOf(entry).map(([m]) => m)))
    } else if (policy === false) {
      deny(request, reply, corsOff(method, entry.url))
    } else if (policy.matcher.fn === null) {
      if (policy.matcher.test(origin)) approve(entry, policy, request, reply, origin, method, done)
      else refuse(policy, entry, request, reply, origin, method, { ...originRefused(policy, origin), kind: originReason(origin) })
    } else {
      const next = (ok: boolean): void => {
        if (ok) approve(entry, policy, request, reply, origin, method, done)
        else refuse(policy, entry, request, reply, origin, method, { ...originRefused(policy, origin), kind: originReason(origin) })
      }
      const result = runOriginFunction(policy, origin, request)
      if (typeof result === 'boolean') next(result)
      else result.then(next)
    }
  }
}

/**
 * Handler of the preflight routes. The hook above answers every preflight, except approved ones
 * under preflightContinue: those end here, with an empty 200, as in @fastify/cors.
 */
export function continuePreflight (_request: FastifyRequest, reply: FastifyReply): void {
  reply.code(200).send()
}
