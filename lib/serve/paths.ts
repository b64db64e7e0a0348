import type { FastifyInstance } from 'fastify'
import type FindMyWayModule from 'find-my-way'

type Router = typeof FindMyWayModule
/**
 * find-my-way, once loaded (loadRouter()). Fastify loads it too, but its require() from this
 * package still resolves the path again, 0.1 ms of a cold start: so it is loaded only for the
 * router options that change slashes (at registration, routerNeeded()) and for the patterns only
 * a router can hold (at ready, placePatterns()). In the ES build, which bundlers follow, a static
 * import would make Node scan its source at every import of the plugin.
 */
let FindMyWay: Router

/** Whether matching paths under these router options needs find-my-way from the start. */
export function routerNeeded (m: PathTable['matching']): boolean {
  // slashes() borrows find-my-way's own slash handling.
  return m.ignoreDuplicateSlashes || m.ignoreTrailingSlash
}

/** Loads find-my-way, once. */
export async function loadRouter (): Promise<void> {
  // c8 reports a branch on this line that is not in the source (the transpiled import()).
  /* c8 ignore next */
  FindMyWay ??= (await import('find-my-way')).default
}
import type { CompiledPolicy } from '../config/policy.js'

/** Everything a preflight on one path needs, filled in as routes on the path are added. */
export interface PathEntry {
  readonly url: string
  /**
   * Each method on the path followed by its policy (false where the route turned CORS off):
   * [method, policy, method, policy, …]. A flat array is the smallest form for the few methods
   * a path has; read it with policyOf() and routesOf().
   */
  routes: ReadonlyArray<string | CompiledPolicy | false>
  /** What preflights on the path share, worked out at the first one (no routes are added after ready). */
  shared: Shared | null
}

/** Per path, for every preflight: the methods grouped for `methods: 'auto'`, and `Vary`. */
export interface Shared {
  /** Methods whose policies match origins alike and answer preflights alike, as header text. */
  readonly groups: ReadonlyArray<{ readonly policy: CompiledPolicy, readonly methods: string }>
  readonly vary: string
}

/** The router options that change which path a URL names. */
interface Matching {
  readonly ignoreTrailingSlash: boolean
  readonly ignoreDuplicateSlashes: boolean
  readonly caseSensitive: boolean
  readonly useSemicolonDelimiter: boolean
}

/**
 * The paths of every registration on one server. Static paths sit in a Map, keyed the way
 * find-my-way compares them; simple patterns in a segment tree; the rest in a private
 * find-my-way router, whose entries cost 1.4 to 2 KB each.
 */
export interface PathTable {
  readonly matching: Matching
  readonly exact: Map<string, PathEntry>
  /**
   * Paths whose segments are whole `:param`s, static words or a final `*` (most of them), in a
   * segment tree matched as find-my-way matches (static, then parameter, then wildcard, with
   * backtracking). Null once any other pattern appears: then every pattern goes to the router,
   * so the two never have to agree on precedence.
   */
  segments: SegmentNode | null
  /**
   * The router for the other patterns, made at ready by placePatterns() if one appeared (most
   * apps have none): null exactly while `segments` is not.
   */
  patterns: FindMyWayModule.Instance<FindMyWayModule.HTTPVersion.V1> | null
  /** A pattern only the router can hold waits in `entries` for placePatterns(), which clears this. */
  unplaced: boolean
  readonly routerConfig: FindMyWayModule.Config<FindMyWayModule.HTTPVersion.V1>
  readonly maxParamLength: number
  /** The entry of each route URL as declared, for responses (a route's config names its URL). */
  readonly byUrl: Map<string, PathEntry>
  /** Every entry, in the order paths were first seen (for policies()). */
  readonly entries: PathEntry[]
  /** A registration asked for strictPreflight: OPTIONS without preflight headers are routed to the plugin too. */
  strict: boolean
  /** The router's options are the defaults, under which plainKey() applies. */
  readonly plain: boolean
}

const tables = new WeakMap<object, PathTable>()

/** One table per server (shared by every scope and registration), with Fastify's router options. loadRouter() first. */
export function pathTable (fastify: FastifyInstance): PathTable {
  let table = tables.get(fastify.server)
  if (table === undefined) {
    const c = fastify.initialConfig
    // Fastify 5 takes router options top-level (deprecated) or in `routerOptions`, and its
    // initialConfig fills routerOptions with defaults; so the value that is not the default wins.
    const r: Partial<typeof c> = (c as { routerOptions?: Partial<typeof c> }).routerOptions ?? {}
    const matching: Matching = {
      ignoreTrailingSlash: r.ignoreTrailingSlash === true || c.ignoreTrailingSlash === true,
      ignoreDuplicateSlashes: r.ignoreDuplicateSlashes === true || c.ignoreDuplicateSlashes === true,
      caseSensitive: r.caseSensitive !== false && c.caseSensitive !== false,
      useSemicolonDelimiter: r.useSemicolonDelimiter === true || c.useSemicolonDelimiter === true
    }
    // useSemicolonDelimiter is a find-my-way option its type declarations omit.
    const config: FindMyWayModule.Config<FindMyWayModule.HTTPVersion.V1> & { useSemicolonDelimiter?: boolean } = {
      ...matching,
      maxParamLength: r.maxParamLength !== undefined && r.maxParamLength !== 100 ? r.maxParamLength : c.maxParamLength,
      allowUnsafeRegex: r.allowUnsafeRegex === true || c.allowUnsafeRegex === true
    }
    table = {
      matching,
      exact: new Map(),
      segments: newNode(),
      patterns: null,
      unplaced: false,
      routerConfig: config,
      maxParamLength: config.maxParamLength as number,
      byUrl: new Map(),
      entries: [],
      strict: false,
      plain: matching.caseSensitive && !routerNeeded(matching)
    }
    tables.set(fastify.server, table)
  }
  return table
}

/** The router's slash options, applied as find-my-way applies them to routes and to requests. */
function slashes (path: string, m: Matching): string {
  if (m.ignoreDuplicateSlashes) path = FindMyWay.removeDuplicateSlashes(path)
  return m.ignoreTrailingSlash ? FindMyWay.trimLastSlash(path) : path
}

/** A route path without parameters or wildcards, as find-my-way stores it; null for the others. */
export function staticKey (path: string, m: Matching): string | null {
  if (path.includes('*') || path.replaceAll('::', '').includes(':')) return null
  path = slashes(path, m)
  if (!m.caseSensitive) path = path.toLowerCase()
  return path.replaceAll('::', ':').replaceAll('%', '%25')
}

/**
 * The path find-my-way reads from a target that does not start with '/'. An http(s) absolute
 * form ('http://host/p?q') gives its path ('/p?q'), or null when it is malformed. Anything else
 * (asterisk form, other schemes) is read from its second character on, as if the first were the
 * root '/': that is how find-my-way walks it, so Fastify routes `OPTIONS *` to '/'.
 */
function targetPath (url: string): string | null {
  const start = url.indexOf('://')
  const scheme = start === -1 ? '' : url.slice(0, start).toLowerCase()
  if (scheme !== 'http' && scheme !== 'https') return '/' + url.slice(1)
  // Fragments are not part of a request target; find-my-way refuses them here.
  if (url.includes('#', start + 3)) return null
  let end = start + 3
  while (end < url.length && url[end] !== '/' && url[end] !== '?') end++
  // An http(s) URL that parses has a host; canParse spares a thrown error on hostile input.
  if (end === start + 3 || !URL.canParse(url)) return null
  return url[end] === '/' ? url.slice(end) : '/' + url.slice(end)
}

/**
 * A request target as find-my-way compares it with static paths: the path before `?` or `#`
 * (or `;`), percent-decoded except for reserved characters, then the router's slash and case
 * options. Null when the target is not one find-my-way would route.
 */
export function requestKey (url: string, m: Matching): string | null {
  let path: string | null = url
  if (url.charCodeAt(0) !== 47) {
    path = targetPath(url)
    if (path === null) return null
  }
  for (let i = 1; i < path.length; i++) {
    const c = path.charCodeAt(i)
    if (c === 63 || c === 35 || (c === 59 && m.useSemicolonDelimiter)) {
      path = path.slice(0, i)
      break
    }
  }
  if (path.includes('%')) {
    try {
      // decodeURI keeps reserved characters encoded; '%25' must stay encoded too.
      path = decodeURI(path.replaceAll('%25', '%2525'))
    } catch {
      return null
    }
  }
  path = slashes(path, m)
  return m.caseSensitive ? path : path.toLowerCase()
}

/**
 * Under the router's default options, the key of a plain route path (words and whole `:param`s;
 * no `*`, `%` or `::`): the path itself when static, its segments when a pattern (null for each
 * parameter), as staticKey() and patternSegments() would give; undefined for any other path, which
 * they handle. Most routes are plain: this spares each a dozen string operations at startup,
 * where all of it runs cold.
 */
function plainKey (url: string): string | Array<string | null> | undefined {
  if (url.charCodeAt(0) !== 47 || url.includes('*') || url.includes('%')) return undefined
  if (!url.includes(':')) return url
  const segments: Array<string | null> = url.slice(1).split('/')
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as string
    if (!segment.includes(':')) continue
    if (!isParam(segment)) return undefined
    segments[i] = null
  }
  return segments
}

/**
 * A whole-segment parameter, `:` and a name of [A-Za-z0-9_] (the segment tree holds only those).
 * Not a RegExp: a RegExp's first two runs compile it (85 µs at startup, bench/README.md).
 */
function isParam (segment: string): boolean {
  if (segment.length === 1 || segment.charCodeAt(0) !== 58) return false
  for (let i = 1; i < segment.length; i++) {
    const c = segment.charCodeAt(i)
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95)) return false
  }
  return true
}

/** The entry for a route path, created on first use ('/a/:id' and '/a/:name' are one path). */
export function pathEntry (table: PathTable, url: string): PathEntry {
  let entry = table.byUrl.get(url)
  if (entry !== undefined) return entry
  const plain = table.plain ? plainKey(url) : undefined
  const key = plain === undefined ? staticKey(url, table.matching) : typeof plain === 'string' ? plain : null
  if (key !== null) {
    entry = table.exact.get(key)
    if (entry === undefined) table.exact.set(key, entry = newEntry(table, url))
  } else {
    // Routes are all added before ready, so before placePatterns(): the segment tree is there.
    const segments = typeof plain === 'object' ? plain : patternSegments(url, table.matching)
    if (segments !== null) {
      const end = addSegments(table.segments as SegmentNode, segments)
      entry = end.node[end.slot] ?? (end.node[end.slot] = newEntry(table, url))
    } else {
      // A pattern the segment tree cannot hold: it waits for the router (placePatterns()). A
      // route's responses read its own entry (byUrl); a path's preflights, the merged one.
      entry = newEntry(table, url)
      table.unplaced = true
    }
  }
  table.byUrl.set(url, entry)
  return entry
}

/**
 * Once a pattern the segment tree cannot hold has appeared, the router holds every pattern
 * (so the two never have to agree on precedence): at ready, after loadRouter(), they move into it
 * in the order they came, and a pattern equal to an earlier one gives its methods to that path
 * (a method both have keeps the earlier path's policy).
 */
export function placePatterns (table: PathTable): void {
  if (!table.unplaced) return
  table.unplaced = false
  const router = table.patterns = FindMyWay(table.routerConfig)
  const waiting = table.entries.splice(0)
  table.segments = null
  for (const e of waiting) {
    const pattern = staticKey(e.url, table.matching) === null
    const earlier = pattern ? router.findRoute('OPTIONS', e.url)?.store as PathEntry | undefined : undefined
    if (earlier !== undefined) {
      for (let i = 0; i < e.routes.length; i += 2) addMethod(earlier, e.routes[i] as string, e.routes[i + 1] as CompiledPolicy | false)
      continue
    }
    if (pattern) router.on('OPTIONS', e.url, noop, e)
    table.entries.push(e)
  }
}

function newEntry (table: PathTable, url: string): PathEntry {
  const entry: PathEntry = { url, routes: [], shared: null }
  table.entries.push(entry)
  return entry
}

/** A node of the segment tree: its static children, its parameter child, what ends here. */
interface SegmentNode {
  words: Map<string, SegmentNode> | null
  param: SegmentNode | null
  /** The path that ends at this node. */
  entry: PathEntry | null
  /** The path that ends with a wildcard here. */
  rest: PathEntry | null
}

function newNode (): SegmentNode {
  return { words: null, param: null, entry: null, rest: null }
}

/**
 * A pattern's segments (null for a parameter, '*' for a final wildcard, static words keyed as
 * find-my-way stores them, '' included), or null when a segment mixes text and parameters, has a
 * RegExp, is optional, or the wildcard is not the whole last segment.
 */
function patternSegments (url: string, m: Matching): Array<string | null> | null {
  if (!url.startsWith('/')) return null
  const parts = slashes(url, m).slice(1).split('/')
  const out: Array<string | null> = []
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]
    if (isParam(part)) out.push(null)
    else if (part === '*' && i === parts.length - 1) out.push('*')
    else {
      const word = staticKey('/' + part, m)
      if (word === null) return null
      out.push(word.slice(1))
    }
  }
  return out
}

function addSegments (root: SegmentNode, segments: Array<string | null>): { node: SegmentNode, slot: 'entry' | 'rest' } {
  let node = root
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]
    if (segment === '*') return { node, slot: 'rest' }
    if (segment === null) {
      node = node.param ?? (node.param = newNode())
    } else {
      node.words ??= new Map()
      let next = node.words.get(segment)
      if (next === undefined) node.words.set(segment, next = newNode())
      node = next
    }
  }
  return { node, slot: 'entry' }
}

/** find-my-way compares a parameter's length once decoded: each escape left is one character. */
function paramLength (segment: string): number {
  let length = segment.length
  for (let i = segment.indexOf('%'); i !== -1; i = segment.indexOf('%', i + 1)) length -= 2
  return length
}

/** The path `segments` (from `i` on) names under `node`: static first, then parameter, then wildcard. */
function matchSegments (node: SegmentNode, segments: string[], i: number, maxParamLength: number): PathEntry | null {
  if (i === segments.length) return node.entry
  const word = node.words?.get(segments[i])
  const found = word === undefined ? null : matchSegments(word, segments, i + 1, maxParamLength)
  if (found !== null) return found
  if (node.param !== null && paramLength(segments[i]) <= maxParamLength) {
    const viaParam = matchSegments(node.param, segments, i + 1, maxParamLength)
    if (viaParam !== null) return viaParam
  }
  return node.rest
}

/**
 * The entry of the path a request target names, as Fastify's router would resolve it: a static
 * path wins over a pattern (find-my-way tries static nodes first), so the Map is asked first.
 */
export function findEntry (table: PathTable, url: string): PathEntry | null {
  const key = requestKey(url, table.matching)
  const entry = key === null ? undefined : table.exact.get(key)
  if (entry !== undefined) return entry
  if (table.patterns !== null) return (table.patterns.find('OPTIONS', url)?.store as PathEntry | undefined) ?? null
  return key === null ? null : matchSegments(table.segments as SegmentNode, key.slice(1).split('/'), 0, table.maxParamLength)
}

// find-my-way requires a handler per route; this table is only read for its stores.
/* c8 ignore next */
function noop (): void {}

/** `method`'s policy on the path; undefined when the path has no such route. */
export function policyOf (entry: PathEntry, method: string): CompiledPolicy | false | undefined {
  const routes = entry.routes
  for (let i = 0; i < routes.length; i += 2) {
    if (routes[i] === method) return routes[i + 1] as CompiledPolicy | false
  }
  return undefined
}

/** The path's methods and their policies, as pairs. */
export function routesOf (entry: PathEntry): Array<[string, CompiledPolicy | false]> {
  const pairs: Array<[string, CompiledPolicy | false]> = []
  for (let i = 0; i < entry.routes.length; i += 2) pairs.push([entry.routes[i] as string, entry.routes[i + 1] as CompiledPolicy | false])
  return pairs
}

/**
 * Records `method`'s policy on the path. A path can carry one method twice (e.g. version
 * constraints); the first route keeps it. Returns whether the table now gives `method` this policy.
 */
export function addMethod (entry: PathEntry, method: string, policy: CompiledPolicy | false): boolean {
  const had = policyOf(entry, method)
  if (had !== undefined) return had === policy
  entry.routes = entry.routes.concat(method, policy) // exact length (a spread leaves spare capacity)
  entry.shared = null
  return true
}

/** The path's groups and Vary, worked out once. */
export function sharedOf (entry: PathEntry): Shared {
  if (entry.shared !== null) return entry.shared
  const groups: Array<{ policy: CompiledPolicy, methods: string[] }> = []
  let allPublic = true
  for (const [m, p] of routesOf(entry)) {
    if (p === false) continue
    if (!p.public) allPublic = false
    const group = groups.find((g) => g.policy.matcher === p.matcher && g.policy.credentials === p.credentials &&
      g.policy.allowHeaders === p.allowHeaders)
    if (group === undefined) groups.push({ policy: p, methods: [m] })
    else group.methods.push(m)
  }
  entry.shared = {
    groups: groups.map((g) => ({ policy: g.policy, methods: g.methods.join(', ') })),
    vary: allPublic ? VARY_PUBLIC : VARY
  }
  return entry.shared
}

// The two preflight Vary values, shared by every path.
const VARY_PUBLIC = 'Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network'
const VARY = 'Origin, ' + VARY_PUBLIC
