import type { Problems } from './problems.js'
import type { OriginSet } from './origin-set.js'
import { ORIGIN_SHAPE, parsePattern, PatternTable, validPattern, type NearMiss, type OriginPattern } from './origin-pattern.js'
import type { OriginFunction, OriginOption } from './schema.js'

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

const SPECIAL_SCHEMES = new Set(['http:', 'https:', 'ws:', 'wss:', 'ftp:'])

/** The origin a browser would send for `entry`, or null if `entry` has parts an origin cannot have. */
function serialise (url: URL): string {
  // For non-special schemes (chrome-extension:, moz-extension:) URL#origin is the string 'null'.
  return SPECIAL_SCHEMES.has(url.protocol) ? url.origin : `${url.protocol}//${url.host}`
}

/**
 * Reports allow-list entries a browser can never send, naming the value it would send instead.
 * Browsers serialise `Origin` as scheme://host[:port]: lowercase, no path, no default port.
 */
export function checkOriginEntry (entry: string, problems: Problems): void {
  if (entry === 'null') return // sandboxed iframes and file: pages send `Origin: null`
  if (entry.includes('*')) {
    parsePattern(entry, problems)
    return
  }
  let url: URL
  try {
    url = new URL(entry)
  } catch {
    problems.origin(`origin '${entry}' is not an origin; write it as scheme://host[:port], e.g. 'https://app.example.com'`)
    return
  }
  if (url.protocol === 'file:') {
    problems.origin(`origin '${entry}': pages loaded from file: send \`Origin: null\`, never a file: origin; ` +
      "allow 'null' with allowNullOrigin: true if you must (anyone can send it)")
    return
  }
  if (url.port === '0' || url.hostname.startsWith('.') || url.hostname.includes('..')) {
    problems.origin(`origin '${entry}' has ${url.port === '0' ? 'port 0' : 'an empty host label'}, which no browser sends; write scheme://host[:port]`)
    return
  }
  const expected = serialise(url)
  const extra = url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '' ||
    (url.pathname !== '' && url.pathname !== '/')
  if (url.host === '') problems.origin(`origin '${entry}' has no host; write it as scheme://host[:port]`)
  else if (extra || expected !== entry) {
    problems.origin(`origin '${entry}' is not what a browser sends in Origin ` +
      `(scheme://host[:port], no path, no trailing slash, lowercase, no default port); use '${expected}'`)
  }
}

/**
 * Walks a RegExp source outside escapes and character classes: reports a top-level `|` (which
 * unanchors the branches) and a `.` that is a literal separator (not followed by a quantifier).
 */
function scanSource (source: string): { topLevelBar: boolean, looseDot: boolean } {
  let depth = 0
  let inClass = false
  let topLevelBar = false
  let looseDot = false
  for (let i = 0; i < source.length; i++) {
    const c = source[i]
    if (c === '\\') { i++; continue }
    if (inClass) { if (c === ']') inClass = false; continue }
    if (c === '[') inClass = true
    else if (c === '(') depth++
    else if (c === ')') depth--
    else if (c === '|' && depth === 0) topLevelBar = true
    else if (c === '.' && !'*+?{'.includes(source[i + 1] ?? '')) looseDot = true
  }
  return { topLevelBar, looseDot }
}

/**
 * What is wrong with a RegExp's shape, or null: not anchored at both ends (/example\.com/ also
 * matches https://example.com.evil.net), or a bare `.` between host labels
 * (/^https:\/\/app.example\.com$/ matches https://appXexample.com). Whether it can backtrack
 * catastrophically is judged apart, by regexp-safety.ts, at registration.
 */
export function regExpShapeProblem (re: RegExp): string | null {
  const name = `origin ${String(re)}`
  const { topLevelBar, looseDot } = scanSource(re.source)
  if (!re.source.startsWith('^') || !re.source.endsWith('$') || re.source.endsWith('\\$') || topLevelBar) {
    return `${name} is not anchored at both ends, so it also matches origins such as ` +
      "'https://example.com.evil.net'; write it as /^https:\\/\\/(app|admin)\\.example\\.com$/ (^ first, $ last, alternatives in a group)"
  }
  if (looseDot) {
    return `${name} has an unescaped '.', which matches any character ` +
      "(a host 'appXexample.com' would pass); write \\. for a literal dot"
  }
  return null
}

export function checkOriginRegExp (re: RegExp, problems: Problems): void {
  const problem = regExpShapeProblem(re)
  if (problem !== null) problems.unsafe(problem)
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
