// What the policies refused, and where a report-only candidate would decide otherwise: events on
// node:diagnostics_channel (free when nobody subscribes), and a bounded count per route and reason
// that `app.cors.report()` returns and the inspector shows.
import diagnostics from 'node:diagnostics_channel'
import type { FastifyRequest } from 'fastify'
import { LOG_INTERVAL } from './log-throttle.js'

/** Every refusal the enforced policy makes (preflight refused, origin not admitted, write refused). */
export const refusedChannel = diagnostics.channel('fastify-cors-policy:refused')
/** Every request on which the report-only candidate's verdict differs from the enforced one. */
export const reportOnlyChannel = diagnostics.channel('fastify-cors-policy:report-only')

/** Why: a small fixed set, fit for a metric's label (never the origin, which anyone can choose). */
export type Reason = 'origin' | 'method' | 'headers' | 'private-network' | 'write' | 'invalid'

/** The route a request was judged for: its pattern, never the raw URL. */
export interface RouteKey { method: string, url: string }

export interface RefusedMessage {
  request: FastifyRequest
  origin: string
  reason: Reason
  preflight: boolean
  route: RouteKey
  disposition: 'enforce'
}

export interface ReportOnlyMessage {
  request: FastifyRequest
  origin: string
  /** Why the refusing side refuses (the candidate's reason when it would refuse, else the enforced one's). */
  reason: Reason
  preflight: boolean
  route: RouteKey
  disposition: 'report'
  /** What the enforced policy decided; the candidate would have decided the other way. */
  enforced: 'allowed' | 'refused'
}

/** One route, reason and kind of request in the report. */
export interface ReportRow {
  route: RouteKey
  reason: Reason
  /** Refused by the enforced policy. */
  refused: number
  /** Where the report-only candidate differs: it would refuse what is allowed, or allow what is refused. */
  reportOnly: { wouldRefuse: number, wouldAllow: number }
  /**
   * The most frequent origins, most first. Each count is what is known for sure: an origin that
   * took the place of another (past TOP_ORIGINS origins) may have had a few requests before.
   */
  origins: Array<{ origin: string, count: number }>
  /** Requests not counted in `origins`: the origins' counts and this add up to the row's requests. */
  otherOrigins: number
}

/** Origins kept per route and reason: a flood of made-up origins cannot grow the report. */
export const TOP_ORIGINS = 32
/** Distinct (route, reason, origin) report-only log lines per LOG_INTERVAL; past it, counted. */
const LOG_KEYS = 1000

interface Tally extends ReportRow {
  /**
   * Space-Saving (Metwally et al.): TOP_ORIGINS counters; when full, a new origin takes the least
   * counter's place and its count, plus one. `error` is the count it inherited: its own requests
   * are between count - error and count.
   */
  counts: Map<string, { count: number, error: number }>
  /** Requests counted in this row. */
  total: number
}

/**
 * The counts of one registration. Bounded: one row per route and reason (route patterns are the
 * app's own), TOP_ORIGINS origins per row; everything else is a number.
 */
export class CorsReport {
  /**
   * Whether refusals are counted: the registration's `report`, or on as soon as a policy has a
   * report-only candidate. Off, a refusal costs a channel check and nothing else.
   */
  counting = false
  /** The registration said `report` itself: a candidate does not turn counting on. */
  declared = false
  private readonly rows = new Map<string, Tally>()
  private logged = new Set<string>()
  private logUntil = 0
  private suppressed = 0

  private row (route: RouteKey, reason: Reason): Tally {
    const key = `${route.method} ${route.url} ${reason}`
    let row = this.rows.get(key)
    if (row === undefined) {
      row = { route, reason, refused: 0, reportOnly: { wouldRefuse: 0, wouldAllow: 0 }, origins: [], otherOrigins: 0, counts: new Map(), total: 0 }
      this.rows.set(key, row)
    }
    return row
  }

  private count (row: Tally, origin: string): void {
    row.total++
    const counts = row.counts
    const known = counts.get(origin)
    if (known !== undefined) {
      known.count++
      return
    }
    if (counts.size < TOP_ORIGINS) {
      counts.set(origin, { count: 1, error: 0 })
      return
    }
    let least = ''
    let min = Infinity
    for (const [o, c] of counts) {
      if (c.count < min) { min = c.count; least = o }
    }
    counts.delete(least)
    counts.set(origin, { count: min + 1, error: min })
  }

  /** Whether a refusal is wanted: counted, or published to a subscriber. Callers ask before building its fields. */
  get wanted (): boolean {
    return this.counting || refusedChannel.hasSubscribers
  }

  /** A refusal of the enforced policy: counted (when counting), and published when someone subscribes. */
  refused (request: FastifyRequest, origin: string, reason: Reason, preflight: boolean, route: RouteKey): void {
    if (this.counting) {
      const row = this.row(route, reason)
      row.refused++
      this.count(row, origin)
    }
    if (refusedChannel.hasSubscribers) {
      refusedChannel.publish({ request, origin, reason, preflight, route, disposition: 'enforce' } satisfies RefusedMessage)
    }
  }

  /** The candidate decided otherwise than the enforced policy: counted, published, and logged at info (throttled). */
  differs (request: FastifyRequest, origin: string, reason: Reason, preflight: boolean, route: RouteKey, enforced: 'allowed' | 'refused', label: string): void {
    const row = this.row(route, reason)
    if (enforced === 'allowed') row.reportOnly.wouldRefuse++
    else row.reportOnly.wouldAllow++
    this.count(row, origin)
    if (reportOnlyChannel.hasSubscribers) {
      reportOnlyChannel.publish({ request, origin, reason, preflight, route, disposition: 'report', enforced } satisfies ReportOnlyMessage)
    }
    this.log(request, origin, reason, route, enforced, label)
  }

  /** At most one line per route, reason and origin per LOG_INTERVAL, with the count of the rest. */
  private log (request: FastifyRequest, origin: string, reason: Reason, route: RouteKey, enforced: 'allowed' | 'refused', label: string): void {
    const now = Date.now()
    if (now >= this.logUntil) {
      this.logged = new Set()
      this.logUntil = now + LOG_INTERVAL
    }
    const key = `${route.method} ${route.url} ${reason} ${origin}`
    if (this.logged.has(key) || this.logged.size >= LOG_KEYS) {
      this.suppressed++
      return
    }
    this.logged.add(key)
    const suppressed = this.suppressed
    this.suppressed = 0
    const would = enforced === 'allowed' ? 'refuse' : 'allow'
    request.log.info({ origin, reason, route, enforced, candidate: would === 'refuse' ? 'refused' : 'allowed', policy: label, suppressed },
      `fastify-cors-policy: report-only: the candidate policy of ${label} would ${would} this ${route.method} ${route.url} from '${origin}' (${reason})` +
      (suppressed > 0 ? ` (${suppressed} more differences since the last line)` : ''))
  }

  /** Every row, most refused and differing first; plain objects. */
  snapshot (): ReportRow[] {
    const rows: ReportRow[] = []
    for (const row of this.rows.values()) {
      const origins = [...row.counts].map(([origin, c]) => ({ origin, count: c.count - c.error })).sort((a, b) => b.count - a.count)
      const counted = origins.reduce((n, o) => n + o.count, 0)
      rows.push({ route: { ...row.route }, reason: row.reason, refused: row.refused, reportOnly: { ...row.reportOnly }, origins, otherOrigins: row.total - counted })
    }
    const total = (r: ReportRow): number => r.refused + r.reportOnly.wouldRefuse + r.reportOnly.wouldAllow
    return rows.sort((a, b) => total(b) - total(a))
  }

  /** Forgets every count (after a policy change has been promoted, say). */
  clear (): void {
    this.rows.clear()
  }
}
