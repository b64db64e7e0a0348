// lib/origins: which origins a policy admits: exact origins, patterns, sets, lookups and RegExps, and their checks.
import type { OriginSet } from './origin-set.js'
import { ORIGIN_SHAPE, PatternTable, validPattern, type NearMiss, type OriginPattern } from './origin-pattern.js'
import type { OriginFunction, OriginOption } from './origin-types.js'

/**
 * Longest `Origin` we test. A serialised origin is scheme + host (at most 253 bytes) + port;
 * anything longer is not one, and capping it bounds the work a RegExp can be made to do.
 */
export const MAX_ORIGIN_LENGTH = 1024

/**
 * How one policy's `origin` is matched, compiled once per distinct `origin` value. One class for
 * every kind keeps `test` monomorphic on the request path, and costs no closure per matcher.
 */
export class OriginMatcher {
  /** `origin: '*'`: every origin, and the answer does not depend on it. */
  readonly any: boolean
  /** Set when the policy's origin is a function; `test` is then unused. */
  readonly fn: OriginFunction | null
  /** A single exact origin (the common case: no Set needed). */
  private readonly one: string | null
  /** Several exact origins: O(1) whatever the list's length. */
  private readonly exact: ReadonlySet<string> | null
  /** Sets the app changes while serving: one Set lookup each. */
  private readonly sets: readonly OriginSet[] | null
  /** Origin patterns (`https://*.example.com`): map lookups, no RegExp. */
  private readonly wild: PatternTable | null
  /** RegExps, tried in order after everything else. */
  private readonly patterns: readonly RegExp[] | null

  constructor (any: boolean, fn: OriginFunction | null, exact: string[], patterns: RegExp[], sets: OriginSet[] = [], wild: OriginPattern[] = []) {
    this.any = any
    this.fn = fn
    this.one = exact.length === 1 ? exact[0] : null
    this.exact = exact.length > 1 ? new Set(exact) : null
    this.sets = sets.length > 0 ? sets : null
    this.wild = wild.length > 0 ? new PatternTable(wild) : null
    this.patterns = patterns.length > 0 ? patterns : null
  }

  /** For a refused origin: the pattern it nearly matched and the change to make, or null. */
  nearMiss (origin: string): NearMiss | null {
    return this.wild?.nearMiss(origin) ?? null
  }

  /** Synchronous match for everything but functions. */
  test (origin: string): boolean {
    if (this.any || origin === this.one || this.exact?.has(origin) === true) return true
    if (this.sets !== null) for (const set of this.sets) if (set.has(origin)) return true
    if ((this.wild === null && this.patterns === null) || origin.length > MAX_ORIGIN_LENGTH || !ORIGIN_SHAPE.test(origin)) return false
    if (this.wild?.test(origin) === true) return true
    if (this.patterns !== null) for (const re of this.patterns) if (re.test(origin)) return true
    return false
  }
}

const ANY = new OriginMatcher(true, null, [], [])
// Allows every origin too, but the policy reflects it: a matcher of its own, so preflights do
// not group its methods with '*' ones.
const REFLECT = new OriginMatcher(true, null, [], [])

/** Builds the matcher for a validated `origin` value (`false` never gets here: CORS is off). */
export function compileOrigin (origin: Exclude<OriginOption, false>): OriginMatcher {
  if (origin === '*') return ANY
  if (origin === true) return REFLECT
  if (typeof origin === 'function') return new OriginMatcher(false, origin, [], [])
  const list = Array.isArray(origin) ? origin : [origin]
  const exact: string[] = []
  const patterns: RegExp[] = []
  const sets: OriginSet[] = []
  const wild: OriginPattern[] = []
  for (const item of list) {
    if (typeof item === 'string') {
      // Validated already: a string with '*' is a valid pattern.
      if (item.includes('*')) wild.push(validPattern(item))
      else exact.push(item)
    } else if (item instanceof RegExp) patterns.push(item)
    else sets.push(item)
  }
  return new OriginMatcher(false, null, exact, patterns, sets, wild)
}
