import type { FastifyRequest } from 'fastify'
import type { LRUCache } from 'lru-cache'
import { LogThrottle, suppressedNote } from '../shared/log-throttle.js'
import { listen, thenableOf, type Box } from '../shared/settle.js'
import { Problems } from '../shared/problems.js'
import type { OriginFunction } from './origin-types.js'

/** Asks the app's source of truth (a database, a service) whether `origin` may call. */
export type OriginLookupFunction = (origin: string, signal: AbortSignal) => boolean | Promise<boolean>

export interface OriginLookupOptions {
  /**
   * Milliseconds an answer is kept. Also how long an instance that missed a `forget()` can keep
   * an outdated answer: the bound on how far a fleet drifts apart. Default 60000.
   */
  ttl?: number
  /** Milliseconds a "no" is kept (an unknown origin costs one lookup per this). Default: `ttl`. */
  negativeTtl?: number
  /** Most origins kept; the least recently used go first. Default 10000. */
  max?: number
  /**
   * Milliseconds a lookup may take before it counts as failed (its signal is then aborted).
   * Default 2000: under the policy's `originTimeout` (5000), so a last good answer is still served in time.
   */
  timeout?: number
  /** After a failed refresh, milliseconds the last good answer is served before the next try. Default 5000. */
  retryAfter?: number
}

/** An origin function with a cache: pass it as `origin`, alone (not in a list). */
export interface OriginLookup extends OriginFunction {
  (origin: string, request: FastifyRequest): boolean | Promise<boolean>
  /** Drops the cached answer for `origin`: its next request asks the lookup again. Wire it to your pub/sub. */
  forget: (origin: string) => boolean
  /** Drops every cached answer. */
  clear: () => void
  /** Origins cached now (fresh or kept for a failed refresh). */
  readonly size: number
}

/**
 * Runs the lookup with a deadline. The callbacks on the app's promise hold only `box`, emptied at
 * the deadline: a lookup that never settles (a hung database) keeps nothing else reachable.
 */
function ask (lookup: OriginLookupFunction, origin: string, cancelled: AbortSignal, ms: number): Promise<boolean> {
  const controller = new AbortController()
  const forward = (): void => controller.abort(cancelled.reason)
  cancelled.addEventListener('abort', forward, { once: true })
  return new Promise<boolean>((resolve, reject) => {
    const box: Box = { settle: null }
    const timer = setTimeout(() => box.settle?.(undefined, new Error(`origin lookup for '${origin}' took more than ${ms} ms (timeout)`)), ms)
    box.settle = (answer, err) => {
      box.settle = null
      clearTimeout(timer)
      cancelled.removeEventListener('abort', forward)
      if (err !== null) {
        controller.abort(err)
        reject(err)
      } else if (typeof answer !== 'boolean') {
        reject(new TypeError(`origin lookup for '${origin}' answered ${typeof answer}; answer true or false`))
      } else resolve(answer)
    }
    let result: unknown
    let pending: PromiseLike<unknown> | null
    try {
      result = lookup(origin, controller.signal)
      pending = thenableOf(result)
    } catch (err) {
      box.settle(undefined, err)
      return
    }
    if (pending !== null) listen(pending, box, 'origin lookup')
    else box.settle(result, null)
  })
}

function positive (problems: Problems, options: OriginLookupOptions, field: keyof OriginLookupOptions, fallback: number): number {
  const value = options[field] ?? fallback
  if (!Number.isInteger(value) || value < 1) problems.invalid(`field '${field}' must be a whole number, 1 or more, received ${String(value)}`)
  return value
}

/**
 * An origin function that asks `lookup` and caches its answers (lru-cache): a burst of requests
 * from one origin costs one lookup, concurrent ones included; "no" is cached too; when a refresh
 * fails, the last answer is served again (for `retryAfter`) instead of refusing a known tenant.
 */
export function originLookup (lookup: OriginLookupFunction, options: OriginLookupOptions = {}): OriginLookup {
  const problems = new Problems('originLookup()')
  if (typeof lookup !== 'function') problems.invalid(`expected a lookup function (origin, signal) => boolean | Promise<boolean>, received ${typeof lookup}`)
  const ttl = positive(problems, options, 'ttl', 60_000)
  const negativeTtl = positive(problems, options, 'negativeTtl', ttl)
  const max = positive(problems, options, 'max', 10_000)
  const timeout = positive(problems, options, 'timeout', 2000)
  const retryAfter = positive(problems, options, 'retryAfter', 5000)
  problems.throwIfAny()

  const throttle = new LogThrottle()
  /** A failed refresh served from the last answer is logged, once per LOG_INTERVAL, by the request that hit it. */
  function logStale (request: FastifyRequest, origin: string, err: unknown): void {
    const suppressed = throttle.next()
    if (suppressed === null) return
    request.log.warn({ err, origin, suppressed }, `fastify-cors-policy: origin lookup failed; serving its last answer${suppressedNote(suppressed)}`)
  }

  /** Why lru-cache cancelled a lookup (forget(), clear(), eviction): the callers waiting on it ask again. */
  const cancellations = new WeakSet<object>()
  const settings: LRUCache.Options<string, boolean, FastifyRequest> = {
    max,
    ttl,
    // Keep an expired answer until it is replaced: it is the last good one if the refresh fails.
    noDeleteOnStaleGet: true,
    // Read the clock on each check. lru-cache's default (1) keeps a reading for 1 ms and starts a
    // timer to drop it: when requests come over 1 ms apart, each paid ~8,000 instructions for that
    // timer (bench/README.md).
    ttlResolution: 0,
    fetchMethod: async (origin, stale, { signal, options, context }) => {
      signal.addEventListener('abort', () => cancellations.add(signal.reason), { once: true })
      try {
        const answer = await ask(lookup, origin, signal, timeout)
        if (!answer) options.ttl = negativeTtl
        return answer
      } catch (err) {
        if (stale === undefined || signal.aborted) throw err
        logStale(context, origin, err)
        options.ttl = retryAfter
        return stale
      }
    }
  }
  // lru-cache is loaded when an app makes a lookup, not when it imports the plugin: apps without
  // one never pay for it. Until it is there (a few ms), requests wait for it.
  let cache: LRUCache<string, boolean, FastifyRequest> | null = null
  // c8 reports a branch on this line that is not in the source (the transpiled import()).
  /* c8 ignore next */
  const loading = import('lru-cache').then(({ LRUCache }) => { cache = new LRUCache(settings) })

  async function fetchAnswer (origin: string, request: FastifyRequest, retried = false): Promise<boolean> {
    try {
      return await (cache as NonNullable<typeof cache>).fetch(origin, { context: request }) as boolean
    } catch (err) {
      // forget() or eviction cancelled the lookup while it ran: its answer may be outdated and is
      // not cached. Ask once more.
      if (retried || !cancellations.has(err as object)) throw err
      return await fetchAnswer(origin, request, true)
    }
  }

  const fn = function originLookup (origin: string, request: FastifyRequest): boolean | Promise<boolean> {
    // A fresh answer is returned as is: no promise, no tick.
    if (cache === null) return loading.then(async () => await fetchAnswer(origin, request))
    return cache.get(origin) ?? fetchAnswer(origin, request)
  } as OriginLookup
  // Before lru-cache is loaded nothing is cached: there is nothing to forget.
  fn.forget = (origin) => cache?.delete(origin) ?? false
  fn.clear = () => cache?.clear()
  Object.defineProperty(fn, 'size', { get: () => cache?.size ?? 0 })
  fn.toString = () => `originLookup() (ttl ${ttl} ms, refusals ${negativeTtl} ms, ${fn.size} of ${max} cached)`
  return fn
}
