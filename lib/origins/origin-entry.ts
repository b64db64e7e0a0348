import type { Problems } from '../shared/problems.js'
import { parsePattern } from './origin-pattern.js'

// What an allow-list entry must look like: exact origins as browsers send them, and RegExps'
// shape (anchors, dots). Shared by policies and OriginSets.

const SPECIAL_SCHEMES = new Set(['http:', 'https:', 'ws:', 'wss:', 'ftp:'])

/** The origin a browser would send for `entry`, or null if `entry` has parts an origin cannot have. */
function serialise (url: URL): string {
  // For non-special schemes (chrome-extension:, moz-extension:) URL#origin is the string 'null'.
  return SPECIAL_SCHEMES.has(url.protocol) ? url.origin : `${url.protocol}//${url.host}`
}

/**
 * Whether `entry` is an http(s) origin exactly as browsers serialise it, told without parsing a
 * URL (a cold start's first URL costs about 30 µs): host labels of lowercase letters, digits and
 * hyphens, none of them an IDNA label ('xn--'), the last not one URL reads as a number (IPv4); a
 * port without leading zeros, at most 65535 and not the scheme's default. Such a string parses to
 * itself; anything else goes to the URL parse, which names what is wrong.
 */
export function plainlySerialised (entry: string): boolean {
  const https = entry.startsWith('https://')
  if (!https && !entry.startsWith('http://')) return false
  let start = https ? 8 : 7
  let i = start
  for (; i < entry.length; i++) {
    const c = entry.charCodeAt(i)
    if (c === 58) break // ':' ends the host
    if (c === 46) { // '.' ends a label
      if (i === start || entry.startsWith('xn--', start)) return false
      start = i + 1
    } else if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45)) return false
  }
  if (i === start || entry.startsWith('xn--', start)) return false
  // The last label: a number (all digits, or 0x…) would make the host an IPv4 address.
  const last = entry.slice(start, i)
  if (last.startsWith('0x') || !/[^0-9]/.test(last)) return false
  if (i === entry.length) return true
  const port = entry.slice(i + 1)
  if (port.length === 0 || port.length > 5 || port.charCodeAt(0) === 48 || /[^0-9]/.test(port)) return false
  const n = Number(port)
  return n <= 65535 && n !== (https ? 443 : 80)
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
  if (plainlySerialised(entry)) return
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
  let topLevelBar = false
  let looseDot = false
  for (const i of syntaxIndexes(source)) {
    const c = source[i]
    if (c === '(') depth++
    else if (c === ')') depth--
    else if (c === '|' && depth === 0) topLevelBar = true
    else if (c === '.' && !'*+?{'.includes(source[i + 1] ?? '')) looseDot = true
  }
  return { topLevelBar, looseDot }
}

/**
 * Where a RegExp source's own syntax is: the indexes of its characters outside escapes and
 * character classes (a class's opening `[` included). Shared by the shape check and the
 * backtracking pre-check, which read the same syntax for different questions.
 */
export function syntaxIndexes (source: string): number[] {
  const found: number[] = []
  let inClass = false
  for (let i = 0; i < source.length; i++) {
    const c = source[i]
    if (c === '\\') i++
    else if (inClass) inClass = c !== ']'
    else {
      if (c === '[') inClass = true
      found.push(i)
    }
  }
  return found
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
