import type { parse as Parse } from 'tldts'
import { Problems } from '../shared/problems.js'

/**
 * Origin patterns: `https://*.example.com` (one or more labels before example.com),
 * `http://localhost:*` (any port, or none), and both (`https://*.example.com:*`). Matched by
 * looking up the origin's parts in maps, never with a RegExp.
 */
export interface OriginPattern {
  scheme: string
  /** The host after `*.` (e.g. 'example.com'), or the exact host when only the port is a wildcard. */
  host: string
  subdomains: boolean
  /** '*' for any port (or none), '' for the scheme's default port only, else the port number. */
  port: string
}

const DEFAULT_PORTS: Record<string, string> = { http: '80', https: '443', ws: '80', wss: '443' }
const SCHEME = /^[a-z][a-z0-9+.-]*$/
const PORT = /^[1-9]\d{0,4}$/

/** How a pattern is written, for error messages. */
const FORMS = "write 'https://*.example.com' (any subdomain), 'http://localhost:*' (any port) or 'https://*.example.com:*' (both)"

/** Splits host[:port] (the host may be an IPv6 literal in brackets). */
function splitPort (rest: string): [string, string | null] {
  const close = rest.lastIndexOf(']')
  const colon = rest.lastIndexOf(':')
  return colon > close ? [rest.slice(0, colon), rest.slice(colon + 1)] : [rest, null]
}

/** An IPv4 address (the URL standard reads a host ending in a numeric label as one) or an IPv6 literal. */
function isIp (host: string): boolean {
  return host.startsWith('[') || /^(?:0x[0-9a-f]*|\d+)$/.test(host.slice(host.lastIndexOf('.') + 1))
}

/** The pattern written with the IPv4 address an IPv4-mapped IPv6 host stands for. */
function ipv4Form (scheme: string, mapped: string, entry: string): string {
  const hex = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(mapped)
  const ip = hex === null
    ? mapped
    : [parseInt(hex[1], 16) >> 8, parseInt(hex[1], 16) & 255, parseInt(hex[2], 16) >> 8, parseInt(hex[2], 16) & 255].join('.')
  return `'${scheme}://${ip}${entry.slice(entry.lastIndexOf(']') + 1)}'`
}

/**
 * Why a pattern's host can never be a DNS name a browser loads a page from, or null: a name has
 * at most 253 characters and labels of at most 63, and `*.` stands for at least two more.
 */
function dnsLimit (host: string, subdomains: boolean): string | null {
  if (host.startsWith('[')) return null
  const room = subdomains ? 251 : 253
  if (host.length > room) {
    return `has a host of ${host.length} characters${subdomains ? " after '*.'" : ''}: a DNS name has at most 253, ` +
      `so no origin can match; ${FORMS}`
  }
  const long = host.split('.').find((label) => label.length > 63)
  return long === undefined ? null : `has a label of ${long.length} characters: DNS labels have at most 63, so no origin can match; ${FORMS}`
}

/**
 * Parses an allow-list entry holding `*`, reporting what is wrong with it and the valid form.
 * Returns null when it is not a valid pattern.
 */
export function parsePattern (entry: string, problems: Problems): OriginPattern | null {
  const bad = (why: string): null => { problems.origin(`origin pattern '${entry}' ${why}`); return null }
  const sep = entry.indexOf('://')
  if (sep === -1) return bad(`has no scheme; ${FORMS}`)
  const scheme = entry.slice(0, sep)
  if (!SCHEME.test(scheme)) {
    return bad(scheme.includes('*')
      ? "has a wildcard scheme, which would allow plain http too; list each scheme, e.g. 'https://*.example.com'"
      : `has an invalid scheme; ${FORMS}`)
  }
  const rest = entry.slice(sep + 3)
  if (/[/?#@]/.test(rest)) return bad(`has a path, query or user part, which no Origin has; ${FORMS}`)
  const [hostPart, portPart] = splitPort(rest)
  let port = ''
  if (portPart !== null) {
    if (portPart === '*') port = '*'
    else if (PORT.test(portPart) && Number(portPart) <= 65535) port = portPart
    else return bad(`has an invalid port '${portPart}': use a number from 1 to 65535, or '*' for any port`)
    if (port === DEFAULT_PORTS[scheme]) {
      return bad(`names the default port ${port}, which browsers never send; drop ':${port}'`)
    }
  }
  const subdomains = hostPart.startsWith('*.')
  const host = subdomains ? hostPart.slice(2) : hostPart
  if (host.includes('*')) {
    return bad(hostPart === '*'
      ? "allows every host; use origin: '*' (or true to reflect the origin) instead"
      : `may have '*' only as the whole leftmost label, followed by a dot; ${FORMS}`)
  }
  // Every other place a '*' can be (scheme, host, port, path) was refused above, so this is a
  // subdomain pattern, a port pattern, or both.
  const mapped = /^\[::ffff:([0-9a-f.:]+)\]$/i.exec(host)
  if (mapped !== null) {
    return bad(`has an IPv4-mapped IPv6 host, which browsers send as the IPv4 address; write ${ipv4Form(scheme, mapped[1], entry)}`)
  }
  const dns = dnsLimit(host, subdomains)
  if (dns !== null) return bad(dns)
  let url: URL
  try {
    url = new URL(`${scheme}://${host}`)
  } catch {
    return bad(`has an invalid host '${host}'; ${FORMS}`)
  }
  if (url.host !== host || host === '' || host.startsWith('.') || host.endsWith('.') || host.includes('..')) {
    return bad(`has a host browsers never send ('${host}': write it lowercase, without empty labels or a trailing dot); ${FORMS}`)
  }
  if (subdomains && isIp(host)) return bad("puts a wildcard on an IP address, which has no subdomains; list the address, e.g. 'http://10.0.0.5:*'")
  return { scheme, host, subdomains, port }
}

/** The pattern of an entry already validated by parsePattern(). */
export function validPattern (entry: string): OriginPattern {
  return parsePattern(entry, new Problems('origin')) as OriginPattern
}

/** tldts's parser, once loaded: the Public Suffix List costs tens of ms to load, paid only by apps with subdomain patterns. */
let parse: typeof Parse | null = null

/** Loads the Public Suffix List (tldts), once. Call before coversPublicSuffix(). */
export async function loadPublicSuffixList (): Promise<void> {
  // c8 reports a branch on this line that is not in the source (the transpiled import()).
  /* c8 ignore next */
  parse ??= (await import('tldts')).parse
}

/**
 * Whether `*.host` covers a whole public suffix (`*.com`, `*.co.uk`, `*.github.io`): anyone can
 * register a name under it and serve a page from there. ICANN and private sections of the Public
 * Suffix List (tldts); hosts no list rule names (`localhost`, `internal`) are not public.
 * loadPublicSuffixList() must have been awaited.
 */
export function coversPublicSuffix (pattern: OriginPattern): boolean {
  if (!pattern.subdomains) return false
  const info = (parse as typeof Parse)(pattern.host, { allowPrivateDomains: true })
  return info.domain === null && (info.isIcann === true || info.isPrivate === true)
}

/** The schemes and ports allowed for one host (or host suffix). */
interface Rule {
  /** 'https://' */
  prefix: string
  anyPort: boolean
  /** The scheme's default port (no port in the origin). */
  noPort: boolean
  /** Other ports, as written. */
  ports: Set<string>
}

/** RegExps and patterns see only strings shaped like a browser's serialised origin. */
export const ORIGIN_SHAPE = /^[a-z][a-z0-9+.-]*:\/\/(?:[a-z0-9._-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/

const COLON = 58
const DOT = 46

/**
 * Every pattern of one `origin` value, keyed by host (port patterns) or host suffix (subdomain
 * patterns). An origin costs one Map lookup for its host and one per distinct suffix length:
 * that depends on the patterns' shapes, not on how many there are, nor on the exact origins
 * beside them. The origin is read with character codes; a string is cut from it only as a Map key.
 */
export class PatternTable {
  private readonly hosts = new Map<string, Rule[]>()
  /** Subdomain patterns by suffix length, longest first: each group a Map, or a short list compared in place. */
  private readonly groups: Group[] = []

  constructor (private readonly patterns: readonly OriginPattern[]) {
    const suffixes = new Map<string, Rule[]>()
    for (const p of patterns) {
      const map = p.subdomains ? suffixes : this.hosts
      let rules = map.get(p.host)
      if (rules === undefined) map.set(p.host, rules = [])
      const prefix = `${p.scheme}://`
      let rule = rules.find((r) => r.prefix === prefix)
      if (rule === undefined) rules.push(rule = { prefix, anyPort: false, noPort: false, ports: new Set() })
      if (p.port === '*') rule.anyPort = true
      else if (p.port === '') rule.noPort = true
      else rule.ports.add(p.port)
    }
    for (const [suffix, rules] of suffixes) {
      let group = this.groups.find((g) => g.length === suffix.length)
      if (group === undefined) this.groups.push(group = { length: suffix.length, list: [], map: null })
      group.list.push({ suffix, rules })
    }
    for (const group of this.groups) {
      // Comparing a few suffixes in place beats building a key to hash; many take a Map.
      if (group.list.length > IN_PLACE) group.map = new Map(group.list.map((e) => [e.suffix, e.rules]))
    }
    this.groups.sort((a, b) => b.length - a.length)
  }

  /** `origin` must have passed ORIGIN_SHAPE, so it is scheme://host[:port] with a lowercase host. */
  test (origin: string): boolean {
    const hostStart = hostStartOf(origin)
    const hostEnd = hostEndOf(origin, hostStart)
    if (this.hosts.size > 0 && this.allows(this.hosts.get(origin.slice(hostStart, hostEnd)), origin, hostStart, hostEnd)) return true
    // A DNS name has at most 253 characters: a longer host is no page a browser could load.
    if (this.groups.length === 0 || hostEnd - hostStart > 253) return false
    for (let k = 0; k < this.groups.length; k++) {
      const group = this.groups[k]
      // At least one label, then '.', then the suffix.
      const dot = hostEnd - group.length - 1
      if (dot <= hostStart || origin.charCodeAt(dot) !== DOT) continue
      const rules = group.map === null ? inPlace(group.list, origin, dot + 1) : group.map.get(origin.slice(dot + 1, hostEnd))
      if (this.allows(rules, origin, hostStart, hostEnd) && labelsOk(origin, hostStart, dot)) return true
    }
    return false
  }

  private allows (rules: Rule[] | undefined, origin: string, hostStart: number, hostEnd: number): boolean {
    if (rules === undefined) return false
    for (let k = 0; k < rules.length; k++) {
      const rule = rules[k]
      if (rule.prefix.length !== hostStart || !origin.startsWith(rule.prefix)) continue
      if (rule.anyPort || (hostEnd === origin.length ? rule.noPort : rule.ports.has(origin.slice(hostEnd + 1)))) return true
    }
    return false
  }

  /**
   * For a refused origin, the pattern it nearly matched and what to change, e.g. the apex
   * `https://example.com` against `https://*.example.com`. Only on refusals: never per request.
   */
  nearMiss (origin: string): NearMiss | null {
    if (!ORIGIN_SHAPE.test(origin)) return null
    const hostStart = hostStartOf(origin)
    const hostEnd = hostEndOf(origin, hostStart)
    const scheme = origin.slice(0, hostStart - 3)
    const host = origin.slice(hostStart, hostEnd)
    const port = hostEnd === origin.length ? null : origin.slice(hostEnd + 1)
    for (const p of this.patterns) {
      const written = `'${p.scheme}://${p.subdomains ? '*.' : ''}${p.host}${p.port === '' ? '' : ':' + p.port}'`
      if (p.subdomains && host === p.host) {
        return { why: `${written} needs at least one label before ${p.host}`, add: origin, so: 'to allow the domain itself' }
      }
      const under = host.endsWith('.' + p.host) && host.length > p.host.length + 1
      if (!(p.subdomains ? under : host === p.host)) continue
      if (scheme !== p.scheme) {
        const risk = scheme === 'http' ? ' (anyone on the network path can pose as it)' : ''
        return { why: `${written} allows ${p.scheme}: only, and the page is ${scheme}:`, add: origin, so: `if you trust ${scheme}:${risk}` }
      }
      if (p.port !== '*') {
        return {
          why: `${written} allows ${p.port === '' ? 'the default port only' : `port ${p.port} only`}, and the page uses ${port === null ? 'the default port' : `port ${port}`}`,
          // Only subdomain patterns get here: a port pattern's port is always '*'.
          add: `${p.scheme}://*.${p.host}:*`,
          so: 'to allow any port'
        }
      }
    }
    return null
  }
}

/** Why a pattern did not match an origin it nearly matched, and the entry that would. */
export interface NearMiss { why: string, add: string, so: string }

/** Subdomain patterns whose suffixes have one length. */
interface Group { length: number, list: Array<{ suffix: string, rules: Rule[] }>, map: Map<string, Rule[]> | null }

/** Up to this many suffixes of one length are compared in place. */
const IN_PLACE = 4

/** The rules of the suffix found at `at` in `origin` (which then ends or has a port). */
function inPlace (list: Group['list'], origin: string, at: number): Rule[] | undefined {
  for (let k = 0; k < list.length; k++) if (origin.startsWith(list[k].suffix, at)) return list[k].rules
  return undefined
}

/** Where the host of an origin-shaped string starts: after the scheme's first ':' and '//'. */
function hostStartOf (origin: string): number {
  let i = 0
  while (origin.charCodeAt(i) !== COLON) i++
  return i + 3
}

/** Where the host ends: at the last ':' if only digits follow it (an IPv6 literal ends with ']'). */
function hostEndOf (origin: string, hostStart: number): number {
  let i = origin.length - 1
  while (i > hostStart && isDigit(origin.charCodeAt(i))) i--
  return i < origin.length - 1 && origin.charCodeAt(i) === COLON ? i : origin.length
}

function isDigit (code: number): boolean {
  return code >= 48 && code <= 57
}

/** The labels before the suffix are not empty: `https://.a.example.com` and `https://a..example.com` are no browser's origin. */
function labelsOk (origin: string, from: number, dot: number): boolean {
  let previous = DOT
  for (let i = from; i < dot; i++) {
    const code = origin.charCodeAt(i)
    if (code === DOT && previous === DOT) return false
    previous = code
  }
  return previous !== DOT
}
