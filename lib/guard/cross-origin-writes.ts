// lib/guard: what CORS does not stop. A page on another site can make the browser send a form
// post, a no-cors fetch, a beacon or a WebSocket handshake, with the user's cookies: CORS only
// decides whether the page may read the answer. With `crossOriginWrites: 'refuse'`, the route's
// own policy decides whether such a write may reach the handler.
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import type { CompiledPolicy } from '../config/policy.js'
import { MAX_ORIGIN_LENGTH } from '../origins/origin.js'
import { ORIGIN_SHAPE } from '../origins/origin-pattern.js'
import { kDecision, kWriteRefused, routeKey, runOriginFunction } from '../serve/actual.js'
import { LogThrottle, suppressedNote } from '../shared/log-throttle.js'
import type { Refusal } from '../serve/fixes.js'

/** Methods that only read (RFC 9110 safe methods, as Go's CrossOriginProtection takes them). */
export const SAFE_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS'])

/** What a browser said about where the request comes from, as the decision reads it. */
export interface WriteRequest {
  method: string
  /** `Origin`, if sent. */
  origin: string | undefined
  /** `Sec-Fetch-Site`, if sent. */
  site: string | undefined
  /** The host the client asked for (Fastify's `request.host`: `X-Forwarded-Host` under `trustProxy`; '' when none). */
  host: string
  /** A WebSocket handshake: a GET that opens a two-way channel, a write like any other. */
  websocket: boolean
}

/**
 * Which step of the decision let the request through, or 'refused'. The steps are Go's
 * CrossOriginProtection's, in its order, with the route's policy as the trusted origins.
 */
export type WriteVerdict = 'safe-method' | 'same-origin' | 'not-a-browser' | 'same-host' | 'trusted' | 'refused'

/**
 * The `host[:port]` of a serialised origin, lowercased with the default ports dropped, or null
 * for anything else: userinfo (`http://evil@victim.com`), a path, 'null', a malformed value.
 */
function originHost (origin: string): string | null {
  if (origin.length > MAX_ORIGIN_LENGTH || !ORIGIN_SHAPE.test(origin)) return null
  return withoutDefaultPort(origin.slice(origin.indexOf('://') + 3))
}

/** The scheme is not compared (behind a TLS-terminating proxy an https page's request arrives as http): neither default port is kept. */
function withoutDefaultPort (host: string): string {
  return host.endsWith(':80') ? host.slice(0, -3) : host.endsWith(':443') ? host.slice(0, -4) : host
}

/**
 * Where a request stands before trust is asked: let through by a step, or to be refused unless
 * its origin is trusted ('untrusted').
 */
export function writeStep (req: WriteRequest): Exclude<WriteVerdict, 'trusted' | 'refused'> | 'untrusted' {
  if (!req.websocket && SAFE_METHODS.has(req.method)) return 'safe-method'
  if (req.site === 'same-origin' || req.site === 'none') return 'same-origin'
  if (req.site === undefined) {
    if (req.origin === undefined) return 'not-a-browser'
    // An old browser (no Sec-Fetch-*), or plain http where browsers do not send them.
    const host = originHost(req.origin)
    if (host !== null && host === withoutDefaultPort(req.host.toLowerCase())) return 'same-host'
  }
  return 'untrusted'
}

type Decided = { [kDecision]?: { policy: CompiledPolicy, allowed: boolean } | null }

/**
 * Whether the route's policy admits the origin as written (a malformed one never is). An origin
 * function's answer is kept for the response's CORS headers, so the function runs once.
 */
export function trusted (policy: CompiledPolicy, origin: string | undefined, request: FastifyRequest): boolean | Promise<boolean> {
  if (origin === undefined || (origin !== 'null' && originHost(origin) === null)) return false
  if (policy.matcher.fn === null) return policy.matcher.test(origin)
  const keep = (allowed: boolean): boolean => {
    (request as unknown as Decided)[kDecision] = { policy, allowed }
    return allowed
  }
  const answer = runOriginFunction(policy, origin, request)
  return typeof answer === 'boolean' ? keep(answer) : answer.then(keep)
}

/** The request as the decision reads it. */
export function writeRequest (request: FastifyRequest): WriteRequest {
  const headers = request.headers
  const site = headers['sec-fetch-site']
  return {
    method: request.method,
    origin: headers.origin,
    site: typeof site === 'string' ? site : undefined,
    host: request.host,
    websocket: typeof headers.upgrade === 'string' && headers.upgrade.toLowerCase() === 'websocket'
  }
}

/** Why a write was refused and what to change, in the words the log, explain() and the inspector use. */
export function writeRefused (policy: CompiledPolicy, req: Pick<WriteRequest, 'method' | 'origin' | 'site' | 'websocket'>): Refusal {
  const what = req.websocket ? 'a WebSocket handshake' : `a ${req.method}`
  const from = req.origin === undefined ? 'a page on another site (no Origin)' : `'${req.origin}'`
  const site = req.site === undefined ? '' : ` (Sec-Fetch-Site: ${req.site})`
  return {
    reason: `${what} from ${from}${site} is not admitted by ${policy.label}, which refuses cross-origin writes: ` +
      'browsers send forms, no-cors fetches, beacons and WebSocket handshakes from any site with the user\'s cookies, and CORS does not stop them',
    fix: req.origin === undefined || originHost(req.origin) === null
      ? `if this route takes writes from other sites by design (an OAuth form_post callback, a payment provider's return), set crossOriginWrites: 'allow' on ${policy.label}`
      : `if '${req.origin}' should write here, add it to origin of ${policy.label}; if this route takes writes from other sites by design ` +
        `(an OAuth form_post callback, a payment provider's return), set crossOriginWrites: 'allow' on ${policy.label}`
  }
}

/** The 403's body: the same bytes for every refusal, naming no value the client chose. */
export const REFUSED_BODY = JSON.stringify({
  statusCode: 403,
  code: 'FST_CORS_CROSS_ORIGIN_WRITE',
  error: 'Forbidden',
  message: "Cross-origin write refused: this route's CORS policy does not admit the page's origin"
})

const throttles = new WeakMap<CompiledPolicy, LogThrottle>()

function refuse (policy: CompiledPolicy, req: WriteRequest, request: FastifyRequest, reply: FastifyReply): void {
  let throttle = throttles.get(policy)
  if (throttle === undefined) throttles.set(policy, throttle = new LogThrottle())
  const suppressed = throttle.next()
  if (suppressed !== null) {
    const { reason, fix } = writeRefused(policy, req)
    request.log.warn({ origin: req.origin, site: req.site, policy: policy.label, reason, fix, suppressed },
      `fastify-cors-policy: cross-origin write refused (403): ${reason}; fix: ${fix}${suppressedNote(suppressed)}`)
  }
  reply.code(403).type('application/json; charset=utf-8').send(REFUSED_BODY)
}

/** Whether a policy's routes that take writes need the guard: it refuses them, or its report-only candidate would. */
export function guardsWrites (policy: CompiledPolicy): boolean {
  return policy.refusesWrites || (policy.candidate !== null && policy.candidate !== false && policy.candidate.refusesWrites)
}

/** Whether `policy` (enforced or candidate) refuses this write: its steps, then its trusted origins. */
function refuses (policy: CompiledPolicy | false, req: WriteRequest, request: FastifyRequest): boolean | Promise<boolean> {
  // A candidate that turns CORS off guards no write, as `cors: false` does; nor does one that allows writes.
  if (policy === false || !policy.refusesWrites) return false
  const ok = trusted(policy, req.origin, request)
  return typeof ok === 'boolean' ? !ok : ok.then((yes) => !yes)
}

/** The report-only candidate's verdict on a write, compared with the enforced one; reported, never applied. */
function compareCandidate (policy: CompiledPolicy, req: WriteRequest, request: FastifyRequest, refused: boolean): void {
  const report = (would: boolean): void => {
    if (would === refused) return
    policy.report.differs(request, req.origin ?? '(none)', 'write', false, routeKey(request), refused ? 'refused' : 'allowed', policy.label)
  }
  const would = refuses(policy.candidate as CompiledPolicy | false, req, request)
  if (typeof would === 'boolean') report(would)
  else would.then(report, /* c8 ignore next */ () => {}) // runOriginFunction never rejects
}

/**
 * The onRequest hook of routes whose policy refuses cross-origin writes: it runs before body
 * parsing, validation, the route's own hooks and its handler, and answers 403 for a write a
 * browser sent from an origin the policy does not admit. On routes whose policy allows writes but
 * whose report-only candidate refuses them, it only reports what the candidate would refuse.
 */
export function writeGuard (policy: CompiledPolicy): (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void {
  return function corsWriteGuard (request, reply, done) {
    // Safe methods leave at once (a route may take GET and POST): no header is read.
    if (SAFE_METHODS.has(request.method) && request.headers.upgrade === undefined) {
      done()
      return
    }
    const req = writeRequest(request)
    if (writeStep(req) !== 'untrusted') {
      done()
      return
    }
    const decided = (refused: boolean): void => {
      if (policy.candidate !== null) compareCandidate(policy, req, request, refused)
      if (!refused) {
        done()
        return
      }
      if (policy.report.wanted) policy.report.refused(request, req.origin ?? '(none)', 'write', false, routeKey(request))
      ;(reply as unknown as { [kWriteRefused]?: true })[kWriteRefused] = true
      refuse(policy, req, request, reply)
    }
    const refused = refuses(policy, req, request)
    if (typeof refused === 'boolean') decided(refused)
    else refused.then(decided, /* c8 ignore next */ done) // runOriginFunction never rejects; kept so a bug cannot hang the request
  }
}
