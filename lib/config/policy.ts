import { compileOrigin, type OriginMatcher } from '../origins/origin.js'
import { POLICY_FIELDS } from './fields.js'
import type { CorsPolicy, OriginOption } from './schema.js'
import { checkMerged } from './validate.js'
import { CorsReport } from '../shared/report.js'

/** A merged policy with every header value worked out, ready for the request path. */
export interface CompiledPolicy {
  /** Who decided: "global options" or "route GET /path". Used in logs. */
  readonly label: string
  readonly matcher: OriginMatcher
  readonly credentials: boolean
  /** `origin: '*'` without credentials: the same headers for everyone, no `Vary: Origin`. */
  readonly public: boolean
  /** `Access-Control-Expose-Headers` value, or null to send none. */
  readonly exposeHeaders: string | null
  /** `Access-Control-Allow-Methods` for an explicit list; null for `'auto'`. */
  readonly methods: string | null
  readonly methodSet: ReadonlySet<string> | null
  /** `Access-Control-Allow-Headers` for an explicit list; null to echo what the preflight asks. */
  readonly allowHeaders: string | null
  /** The allowed header list (names lowercased in `set`); null when any requested header is allowed. */
  readonly allowHeaderList: CompiledList | null
  readonly maxAge: string | null
  readonly privateNetwork: boolean
  /** Milliseconds an async origin function may take. */
  readonly originTimeout: number
  /** Status of an approved preflight answer. */
  readonly successStatus: number
  /** `Cache-Control` of preflight answers, or null to send none. */
  readonly cacheControl: string | null
  /** Approved preflights go on to the hooks and handler instead of being answered. */
  readonly preflightContinue: boolean
  /**
   * Writes from origins the policy does not admit are answered 403 (lib/guard): `crossOriginWrites`,
   * by default 'refuse' with credentials. False when the policy admits every origin: nothing to refuse.
   */
  readonly refusesWrites: boolean
  /**
   * The report-only candidate (`reportOnly`), compiled: evaluated beside this policy, never
   * applied. False when it turns CORS off; null without one (then nothing is evaluated).
   */
  readonly candidate: CompiledPolicy | false | null
  /** The registration's report: refusals and the candidate's differences are counted there. */
  readonly report: CorsReport
  /** The merged policy this was compiled from (for explain() and policies()). */
  readonly source: CorsPolicy
}

/** `crossOriginWrites` as merged, or its default: credentials declare that cookies are in play. */
export function crossOriginWrites (policy: CorsPolicy): 'refuse' | 'allow' {
  return policy.crossOriginWrites ?? (policy.credentials === true ? 'refuse' : 'allow')
}

/** Default for `originTimeout`. */
export const ORIGIN_TIMEOUT = 5000

/**
 * Field by field: what the route names replaces the global value; the rest is inherited. The
 * report-only candidates merge the same way, with each other.
 */
export function mergePolicy (global: CorsPolicy, route: CorsPolicy): CorsPolicy {
  const merged: Record<string, unknown> = {}
  for (const field of POLICY_FIELDS) {
    const value = route[field] !== undefined ? route[field] : global[field]
    if (value !== undefined) merged[field] = value
  }
  if (global.reportOnly !== undefined && route.reportOnly !== undefined) merged.reportOnly = mergePolicy(global.reportOnly, route.reportOnly)
  return merged as CorsPolicy
}

/** The candidate of a merged policy: its fields with the report-only ones in their place; null without one. */
export function candidateOf (policy: CorsPolicy): CorsPolicy | null {
  if (policy.reportOnly === undefined) return null
  const { reportOnly, ...enforced } = policy
  return mergePolicy(enforced, reportOnly)
}

/**
 * Compiles a checked policy. `matchers` caches one matcher per distinct `origin` value, so routes
 * that inherit the global origin share it (preflights group methods by matcher).
 */
export function compilePolicy (policy: CorsPolicy, label: string, matchers: Map<OriginOption, OriginMatcher>, report: CorsReport = new CorsReport()): CompiledPolicy | false {
  checkMerged(policy, label)
  const proposed = candidateOf(policy)
  // The candidate passes the same checks, named as the candidate.
  const candidate = proposed === null ? null : compilePolicy(proposed, `${label} (reportOnly)`, matchers, report)
  // A change is being rehearsed: its report counts the refusals too, to compare with.
  if (candidate !== null && !report.declared) report.counting = true
  const origin = policy.origin ?? '*'
  // origin: false is @fastify/cors's way of turning CORS off, as `cors: false` does.
  if (origin === false) return false
  let matcher = matchers.get(origin)
  if (matcher === undefined) {
    matcher = compileOrigin(origin)
    matchers.set(origin, matcher)
  }
  const credentials = policy.credentials === true
  const methods = Array.isArray(policy.methods) ? lists(policy.methods, true) : null
  const allowed = Array.isArray(policy.allowedHeaders) ? lists(policy.allowedHeaders, false) : null
  const exposed = policy.exposedHeaders
  return {
    label,
    matcher,
    credentials,
    // origin: true reflects every origin instead.
    public: origin === '*' && !credentials,
    exposeHeaders: exposed === undefined || exposed.length === 0 ? null : exposed === '*' ? '*' : exposed.join(', '),
    methods: methods === null ? null : methods.text,
    methodSet: methods === null ? null : methods.set,
    allowHeaders: allowed === null ? null : allowed.text,
    allowHeaderList: allowed,
    maxAge: policy.maxAge === undefined ? null : String(policy.maxAge),
    privateNetwork: policy.privateNetwork === true,
    originTimeout: policy.originTimeout ?? ORIGIN_TIMEOUT,
    successStatus: policy.optionsSuccessStatus ?? 204,
    cacheControl: typeof policy.cacheControl === 'number' ? `max-age=${policy.cacheControl}` : policy.cacheControl ?? null,
    preflightContinue: policy.preflightContinue === true,
    refusesWrites: crossOriginWrites(policy) === 'refuse' && !matcher.any,
    candidate,
    report,
    source: policy
  }
}

// Routes that inherit a list share one compiled form of it (memory with thousands of routes).
export interface CompiledList {
  readonly text: string
  readonly set: ReadonlySet<string>
  /** Header lists: the answer already worked out for each Access-Control-Request-Headers value (preflight.ts). */
  refused: Map<string, string | null> | null
}
const compiledLists = new WeakMap<string[], CompiledList>()

/** A method list (uppercased) or header list (matched lowercased) as header text and a Set. */
function lists (list: string[], methods: boolean): CompiledList {
  let compiled = compiledLists.get(list)
  if (compiled === undefined) {
    const names = methods ? list.map((m) => m.toUpperCase()) : list
    compiled = { text: names.join(', '), set: new Set(methods ? names : list.map((h) => h.toLowerCase())), refused: null }
    compiledLists.set(list, compiled)
  }
  return compiled
}
