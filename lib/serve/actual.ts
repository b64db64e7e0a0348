// lib/serve: the request path: the path table, preflight answers, actual responses' headers, Vary.
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import { stateless } from '../config/compat.js'
import { originRefused } from './fixes.js'
import type { CompiledPolicy } from '../config/policy.js'
import { addVary } from './vary.js'
import { LogThrottle, suppressedNote } from '../shared/log-throttle.js'
import { listen, thenableOf, type Box } from '../shared/settle.js'
import type { Reason, RouteKey } from '../shared/report.js'
import { MAX_ORIGIN_LENGTH } from '../origins/origin.js'
import { ORIGIN_SHAPE } from '../origins/origin-pattern.js'

/**
 * What the route's origin function answered in onRequest, for onSend: a request decoration,
 * declared on scopes with origin functions (so their requests keep one shape), absent elsewhere.
 */
export const kDecision = Symbol('fastify-cors-policy.decision')

interface Decision {
  readonly policy: CompiledPolicy
  readonly allowed: boolean
}

interface Decided {
  /** Undefined where the scope has no origin function, or got its Request before declaring one. */
  [kDecision]?: Decision | null
}

type OnSendDone = (err: Error | null, payload?: unknown) => void

const throttles = new WeakMap<CompiledPolicy, LogThrottle>()

/**
 * Logs why an origin function failed; the request is then denied CORS, never failed. Repeats
 * within LOG_INTERVAL are counted, and the count goes with the next line.
 */
export function logOriginError (request: FastifyRequest, policy: CompiledPolicy, err: unknown): void {
  let throttle = throttles.get(policy)
  if (throttle === undefined) throttles.set(policy, throttle = new LogThrottle())
  const suppressed = throttle.next()
  if (suppressed === null) return
  request.log.error({ err, policy: policy.label, suppressed },
    `fastify-cors-policy: origin function failed; CORS denied${suppressedNote(suppressed)}`)
}

/**
 * Whether an origin function's answer admits `origin`: `true`, or (as @fastify/cors reads it) an
 * origin value that names it: the origin itself, '*' (without credentials), a RegExp, a list.
 */
function admits (answer: unknown, origin: string, credentials: boolean): boolean {
  if (answer === true) return true
  if (typeof answer === 'string') return answer === origin || (answer === '*' && !credentials)
  if (answer instanceof RegExp) return (stateless(answer) as RegExp).test(origin)
  return Array.isArray(answer) && answer.some((a) => admits(a, origin, credentials))
}

/** Why an answer is not one an origin function may give, or null: it is then denied and logged. */
function wrongAnswer (answer: unknown): Error | null {
  if (typeof answer === 'boolean' || typeof answer === 'string' || answer instanceof RegExp || Array.isArray(answer)) return null
  const what = answer === null ? 'null' : typeof answer
  return new TypeError(`origin function answered ${what}; answer true or false` +
    (answer === undefined ? ' (a callback-style function is recognised only when its second parameter is named cb, callback, done or next)' : ''))
}

/** The decision for a settled answer: wrong types are logged, then denied. */
function decide (request: FastifyRequest, policy: CompiledPolicy, origin: string, answer: unknown): boolean {
  const wrong = wrongAnswer(answer)
  if (wrong === null) return admits(answer, origin, policy.credentials)
  logOriginError(request, policy, wrong)
  return false
}

/**
 * Runs a function origin. Only an answer that admits the origin allows; throws, rejections,
 * answers of the wrong type and answers slower than `originTimeout` deny, logged at error level
 * (rate-limited). Never rejects, never throws, always settles.
 */
export function runOriginFunction (policy: CompiledPolicy, origin: string, request: FastifyRequest): boolean | Promise<boolean> {
  let result: unknown
  let pending: PromiseLike<unknown> | null
  try {
    // `this` is the Fastify instance, as in @fastify/cors.
    result = (policy.matcher.fn as NonNullable<CompiledPolicy['matcher']['fn']>).call(request.server, origin, request)
    pending = thenableOf(result)
  } catch (err) {
    logOriginError(request, policy, err)
    return false
  }
  if (pending === null) return decide(request, policy, origin, result)
  return new Promise<boolean>((resolve) => {
    const box: Box = { settle: null }
    const timer = setTimeout(() => {
      box.settle = null
      logOriginError(request, policy, new Error(`origin function did not settle within ${policy.originTimeout} ms (originTimeout)`))
      resolve(false)
    }, policy.originTimeout)
    box.settle = (answer, err) => {
      box.settle = null
      clearTimeout(timer)
      if (err !== null) {
        logOriginError(request, policy, err)
        resolve(false)
      } else resolve(decide(request, policy, origin, answer))
    }
    listen(pending, box)
  })
}

/** The route a request was judged for, as reports name it: its pattern, never the raw URL. For route hooks, which always have one. */
export function routeKey (request: FastifyRequest): RouteKey {
  return { method: request.method, url: request.routeOptions.url as string }
}

/** 'invalid' for an Origin no browser sends (malformed, too long); 'origin' for one the policy does not admit. */
export function originReason (origin: string): Reason {
  return origin === 'null' || (origin.length <= MAX_ORIGIN_LENGTH && ORIGIN_SHAPE.test(origin)) ? 'origin' : 'invalid'
}

/**
 * Whether `policy` admits `origin`, handed to `then` at once, or when an origin function settles.
 * A candidate that turns CORS off (false) admits none. Nothing waits for it.
 */
export function withAdmission (policy: CompiledPolicy | false, origin: string, request: FastifyRequest, then: (admitted: boolean) => void): void {
  if (policy === false || policy.matcher.fn === null) {
    then(policy !== false && policy.matcher.test(origin))
    return
  }
  const answer = runOriginFunction(policy, origin, request)
  if (typeof answer === 'boolean') then(answer)
  else answer.then(then, /* c8 ignore next */ () => {}) // runOriginFunction never rejects
}

/**
 * The report-only candidate's verdict on an actual request's origin, compared with the enforced
 * one: differences are reported, the response is not touched.
 */
function compareCandidate (policy: CompiledPolicy, request: FastifyRequest, url: string, origin: string, allowed: boolean): void {
  withAdmission(policy.candidate as CompiledPolicy | false, origin, request, (would) => {
    if (would !== allowed) policy.report.differs(request, origin, originReason(origin), false, { method: request.method, url }, allowed ? 'allowed' : 'refused', policy.label)
  })
}

/** Set on the reply of a write the guard refused: that request is reported once, as a refused write. */
export const kWriteRefused = Symbol('fastify-cors-policy.writeRefused')

/** The write guard refused this request and reported it: its 403's headers are not a second event. */
const writeRefused = (reply: FastifyReply): boolean => (reply as unknown as { [kWriteRefused]?: true })[kWriteRefused] === true

function applyActual (policy: CompiledPolicy, request: FastifyRequest, reply: FastifyReply, url: string, origin: string, allowed: boolean): void {
  // Most requests have no candidate and are allowed: they read no more than before.
  if (policy.candidate !== null && !writeRefused(reply)) compareCandidate(policy, request, url, origin, allowed)
  if (!allowed) {
    if (policy.report.wanted && !writeRefused(reply)) policy.report.refused(request, origin, originReason(origin), false, { method: request.method, url })
    // Pino says whether debug lines are wanted: then a denial costs no strings. (Loggers without
    // isLevelEnabled get the line, as before.)
    if ((request.log as { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled?.('debug') === false) return
    const { reason, fix } = originRefused(policy, origin)
    request.log.debug({ origin, policy: policy.label, reason, fix }, `fastify-cors-policy: CORS denied: ${reason}; fix: ${fix}`)
    return
  }
  reply.header('access-control-allow-origin', origin)
  if (policy.credentials) reply.header('access-control-allow-credentials', 'true')
  if (policy.exposeHeaders !== null) reply.header('access-control-expose-headers', policy.exposeHeaders)
}

/**
 * Puts `policy`'s headers on an actual (non-preflight) response. Runs in onSend, so it covers
 * every response that leaves: handler results, errors, replies sent early by other hooks.
 */
export function sendHeaders (policy: CompiledPolicy, request: FastifyRequest, reply: FastifyReply, payload: unknown, done: OnSendDone, url = '(no route)'): void {
  if (policy.public) {
    // Same answer for every origin (and for none, so shared caches can keep one copy).
    if (policy.candidate !== null && request.headers.origin !== undefined) compareCandidate(policy, request, url, request.headers.origin, true)
    reply.header('access-control-allow-origin', '*')
    if (policy.exposeHeaders !== null) reply.header('access-control-expose-headers', policy.exposeHeaders)
    done(null, payload)
    return
  }
  addVary(reply, 'Origin')
  const origin = request.headers.origin
  if (origin === undefined) {
    done(null, payload)
    return
  }
  if (policy.matcher.fn === null) {
    applyActual(policy, request, reply, url, origin, policy.matcher.test(origin))
    done(null, payload)
    return
  }
  const decision = (request as unknown as Decided)[kDecision]
  if (decision?.policy === policy) {
    applyActual(policy, request, reply, url, origin, decision.allowed)
    done(null, payload)
    return
  }
  // onRequest did not run for this policy (another hook replied first, or this is a 404).
  const result = runOriginFunction(policy, origin, request)
  if (typeof result === 'boolean') {
    applyActual(policy, request, reply, url, origin, result)
    done(null, payload)
    return
  }
  result.then((ok) => {
    applyActual(policy, request, reply, url, origin, ok)
    done(null, payload)
  }, /* c8 ignore next */ done) // runOriginFunction never rejects; kept so a bug cannot hang the reply
}

/**
 * The onRequest hook of routes whose origin is a function: the answer is awaited before the
 * handler runs and kept for onSend.
 */
export function originHook (policy: CompiledPolicy): (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void {
  // Made once per policy, so a request only points at one.
  const admitted: Decision = { policy, allowed: true }
  const refused: Decision = { policy, allowed: false }
  return function corsOrigin (request, _reply, done) {
    const origin = request.headers.origin
    const decided = request as unknown as Decided
    // The write guard asked already (a write from another site): its answer stands.
    if (origin === undefined || decided[kDecision]?.policy === policy) {
      done()
      return
    }
    const result = runOriginFunction(policy, origin, request)
    if (typeof result === 'boolean') {
      decided[kDecision] = result ? admitted : refused
      done()
      return
    }
    result.then((ok) => {
      decided[kDecision] = ok ? admitted : refused
      done()
    }, /* c8 ignore next */ done)
  }
}
