import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import type { CompiledPolicy } from './policy.js'
import { addVary } from './vary.js'

/** Request decorations, declared up front so every request object keeps one shape. */
export const kPolicy = Symbol('fastify-cors-policy.policy')
export const kAllowed = Symbol('fastify-cors-policy.allowed')

interface Decided {
  [kPolicy]: CompiledPolicy | null
  [kAllowed]: boolean
}

type OnSendDone = (err: Error | null, payload?: unknown) => void

/** Logs why an origin function failed; the request is then denied CORS, never failed. */
export function logOriginError (request: FastifyRequest, policy: CompiledPolicy, err: unknown): void {
  request.log.error({ err, policy: policy.label }, 'fastify-cors-policy: origin function failed; CORS denied')
}

/**
 * Runs a function origin. Only `true` allows; throws, rejections and answers slower than
 * `originTimeout` deny, logged once at error level. Never rejects.
 */
export function runOriginFunction (policy: CompiledPolicy, origin: string, request: FastifyRequest): boolean | Promise<boolean> {
  let result: boolean | Promise<boolean>
  try {
    result = (policy.matcher.fn as NonNullable<CompiledPolicy['matcher']['fn']>)(origin, request)
  } catch (err) {
    logOriginError(request, policy, err)
    return false
  }
  if (result === undefined) {
    // Likely the @fastify/cors callback form (origin, cb): it returns nothing and is never answered.
    logOriginError(request, policy, new Error('origin function returned undefined; return a boolean or a Promise<boolean> ' +
      '(the @fastify/cors callback form (origin, callback) is not supported)'))
    return false
  }
  if (typeof result !== 'object' || result === null || typeof result.then !== 'function') return result === true
  const pending = result
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => {
      logOriginError(request, policy, new Error(`origin function did not settle within ${policy.originTimeout} ms (originTimeout)`))
      resolve(false)
    }, policy.originTimeout)
    Promise.resolve(pending).then((ok) => {
      clearTimeout(timer)
      resolve(ok === true)
    }, (err: unknown) => {
      clearTimeout(timer)
      logOriginError(request, policy, err)
      resolve(false)
    })
  })
}

function applyActual (policy: CompiledPolicy, request: FastifyRequest, reply: FastifyReply, origin: string, allowed: boolean): void {
  if (!allowed) {
    request.log.debug({ origin, policy: policy.label }, `fastify-cors-policy: CORS denied: origin '${origin}' is not allowed by ${policy.label}`)
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
export function sendHeaders (policy: CompiledPolicy, request: FastifyRequest, reply: FastifyReply, payload: unknown, done: OnSendDone): void {
  if (policy.public) {
    // Same answer for every origin (and for none, so shared caches can keep one copy).
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
    applyActual(policy, request, reply, origin, policy.matcher.test(origin))
    done(null, payload)
    return
  }
  const decided = request as unknown as Decided
  if (decided[kPolicy] === policy) {
    applyActual(policy, request, reply, origin, decided[kAllowed])
    done(null, payload)
    return
  }
  // onRequest did not run for this policy (another hook replied first, or this is a 404).
  const result = runOriginFunction(policy, origin, request)
  if (typeof result === 'boolean') {
    applyActual(policy, request, reply, origin, result)
    done(null, payload)
    return
  }
  result.then((ok) => {
    applyActual(policy, request, reply, origin, ok)
    done(null, payload)
  }, /* c8 ignore next */ done) // runOriginFunction never rejects; kept so a bug cannot hang the reply
}

/**
 * The onRequest hook of routes whose origin is a function: the answer is awaited before the
 * handler runs and kept for onSend.
 */
export function originHook (policy: CompiledPolicy): (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void {
  return function corsOrigin (request, _reply, done) {
    const origin = request.headers.origin
    if (origin === undefined) {
      done()
      return
    }
    const decided = request as unknown as Decided
    const result = runOriginFunction(policy, origin, request)
    if (typeof result === 'boolean') {
      decided[kPolicy] = policy
      decided[kAllowed] = result
      done()
      return
    }
    result.then((ok) => {
      decided[kPolicy] = policy
      decided[kAllowed] = ok
      done()
    }, /* c8 ignore next */ done)
  }
}
