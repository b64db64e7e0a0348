// Waiting on an app's thenable without holding the request: shared by origin functions and lookups.

/**
 * `value` as a thenable, or null. Reading `then` runs app code (a getter), which may throw: the
 * caller counts that as a failed answer.
 */
export function thenableOf (value: unknown): PromiseLike<unknown> | null {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return null
  return typeof (value as { then?: unknown }).then === 'function' ? value as PromiseLike<unknown> : null
}

/** Where a pending answer goes; emptied at the timeout, so a promise that never settles holds nothing of the request. */
export interface Box { settle: ((answer: unknown, err: unknown) => void) | null }

/**
 * Attaches `box` to a thenable of the app's. A `then` that throws settles it as a failure; one
 * that never calls back is left to the caller's timeout. Top-level on purpose: a closure made
 * inside the caller would keep the caller's whole scope (the request, its signal) reachable from
 * a promise that may never settle.
 */
export function listen (pending: PromiseLike<unknown>, box: Box, what = 'origin function'): void {
  try {
    pending.then((answer) => box.settle?.(answer, null), (err: unknown) => box.settle?.(undefined, err ?? new Error(`${what} rejected`)))
  } catch (err) {
    box.settle?.(undefined, err ?? new Error(`${what}'s then() threw`))
  }
}
