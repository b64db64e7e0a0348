import type { FastifyInstance } from 'fastify'
import FindMyWay from 'find-my-way'
import type { CompiledPolicy } from './policy.js'

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
 * The paths of every registration on one server. Static paths (most of them) sit in a Map,
 * keyed the way find-my-way compares them; only paths with parameters or wildcards need a
 * router, whose entries cost about 1.4 KB each.
 */
export interface PathTable {
  readonly matching: Matching
  readonly exact: Map<string, PathEntry>
  readonly patterns: FindMyWay.Instance<FindMyWay.HTTPVersion.V1>
  /** The entry of each route URL as declared, for responses (a route's config names its URL). */
  readonly byUrl: Map<string, PathEntry>
  /** Every entry, in the order paths were first seen (for policies()). */
  readonly entries: PathEntry[]
}

const tables = new WeakMap<object, PathTable>()

/** One table per server (shared by every scope and registration), with Fastify's router options. */
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
    const config: FindMyWay.Config<FindMyWay.HTTPVersion.V1> & { useSemicolonDelimiter?: boolean } = {
      ...matching,
      maxParamLength: r.maxParamLength !== undefined && r.maxParamLength !== 100 ? r.maxParamLength : c.maxParamLength,
      allowUnsafeRegex: r.allowUnsafeRegex === true || c.allowUnsafeRegex === true
    }
    table = { matching, exact: new Map(), patterns: FindMyWay(config), byUrl: new Map(), entries: [] }
    tables.set(fastify.server, table)
  }
  return table
}

/** A route path without parameters or wildcards, as find-my-way stores it; null for the others. */
export function staticKey (path: string, m: Matching): string | null {
  if (path.includes('*') || path.replaceAll('::', '').includes(':')) return null
  if (m.ignoreDuplicateSlashes) path = FindMyWay.removeDuplicateSlashes(path)
  if (m.ignoreTrailingSlash) path = FindMyWay.trimLastSlash(path)
  if (!m.caseSensitive) path = path.toLowerCase()
  return path.replaceAll('::', ':').replaceAll('%', '%25')
}

/** The path of an absolute-form request target ('http://host/p?q' is '/p?q'); null if it is not one. */
function absolutePath (url: string): string | null {
  const start = url.indexOf('://')
  if (start === -1) return null
  const scheme = url.slice(0, start).toLowerCase()
  if (scheme !== 'http' && scheme !== 'https') return null
  // Fragments are not part of a request target; find-my-way refuses them here.
  if (url.includes('#', start + 3)) return null
  let end = start + 3
  while (end < url.length && url[end] !== '/' && url[end] !== '?') end++
  if (end === start + 3) return null
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
    path = absolutePath(url)
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
  if (m.ignoreDuplicateSlashes) path = FindMyWay.removeDuplicateSlashes(path)
  if (m.ignoreTrailingSlash) path = FindMyWay.trimLastSlash(path)
  return m.caseSensitive ? path : path.toLowerCase()
}

/** The entry for a route path, created on first use ('/a/:id' and '/a/:name' are one path). */
export function pathEntry (table: PathTable, url: string): PathEntry {
  let entry = table.byUrl.get(url)
  if (entry !== undefined) return entry
  const key = staticKey(url, table.matching)
  entry = key === null ? table.patterns.findRoute('OPTIONS', url)?.store as PathEntry | undefined : table.exact.get(key)
  if (entry === undefined) {
    entry = { url, routes: [], shared: null }
    if (key === null) table.patterns.on('OPTIONS', url, noop, entry)
    else table.exact.set(key, entry)
    table.entries.push(entry)
  }
  table.byUrl.set(url, entry)
  return entry
}

/**
 * The entry of the path a request target names, as Fastify's router would resolve it: a static
 * path wins over a pattern (find-my-way tries static nodes first), so the Map is asked first.
 */
export function findEntry (table: PathTable, url: string): PathEntry | null {
  const key = requestKey(url, table.matching)
  const entry = key === null ? undefined : table.exact.get(key)
  if (entry !== undefined) return entry
  return (table.patterns.find('OPTIONS', url)?.store as PathEntry | undefined) ?? null
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

/** Records `method`'s policy on the path. */
export function addMethod (entry: PathEntry, method: string, policy: CompiledPolicy | false): void {
  // A path can carry one method twice (e.g. version constraints); the first route keeps it.
  if (policyOf(entry, method) !== undefined) return
  entry.routes = entry.routes.concat(method, policy) // exact length (a spread leaves spare capacity)
  entry.shared = null
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
