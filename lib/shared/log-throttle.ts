// Rate-limited failure logs: shared by the request path and origin lookups.

/** One line per source of failures per this many milliseconds: an outage must not log once per request. */
export const LOG_INTERVAL = 60_000

/**
 * Counts repeated failures of one source (a policy, a lookup) and says when to log: at most once
 * per LOG_INTERVAL, with the number of failures since the last line.
 */
export class LogThrottle {
  private until = 0
  private suppressed = 0

  /** The failures suppressed since the last line, if this one should be logged; null otherwise. */
  next (): number | null {
    const now = Date.now()
    if (now < this.until) {
      this.suppressed++
      return null
    }
    const suppressed = this.suppressed
    this.until = now + LOG_INTERVAL
    this.suppressed = 0
    return suppressed
  }
}

/** " (N more failures since the last line)", or nothing. */
export function suppressedNote (suppressed: number): string {
  return suppressed > 0 ? ` (${suppressed} more failures since the last line)` : ''
}
