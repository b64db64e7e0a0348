import type {
  ContextConfigDefault, FastifyBaseLogger, FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest,
  FastifySchema, FastifyTypeProvider, FastifyTypeProviderDefault, RawReplyDefaultExpression,
  RawRequestDefaultExpression, RawServerBase, RawServerDefault, RouteGenericInterface, RouteOptions
} from 'fastify'
import { kDecision, originHook, sendHeaders } from './serve/actual.js'
import { FST_CORS_ALREADY_REGISTERED, FST_CORS_DUPLICATE_POLICY } from './shared/errors.js'
import { asPlugin, checkFastify } from './shared/plugin.js'
import type { OriginMatcher } from './origins/origin.js'
import { compilePolicy, mergePolicy, type CompiledPolicy } from './config/policy.js'
import { addMethod, loadRouter, pathEntry, pathTable, placePatterns, policyOf, routerNeeded, type PathTable } from './serve/paths.js'
import { continuePreflight, preflightHook, preflightStrategy, STRATEGY } from './serve/preflight.js'
import { explain, policies, printPolicies, type CorsTools } from './explain/explain.js'
import { findUncovered } from './serve/uncovered.js'
import { checkMerged, checkPublicSuffixes, insecureOrigins, readPolicy, regExpsOf, suffixEntries, type SuffixEntry } from './config/validate.js'
import { loadPublicSuffixList } from './origins/origin-pattern.js'
import { Problems } from './shared/problems.js'
import { CorsReport } from './shared/report.js'
import { checkBacktracking } from './origins/regexp-safety.js'
import type { CorsOptions, CorsPolicy, OriginOption, RouteCors } from './config/schema.js'
import { engineNotes } from './browser/engines.js'
import { guardsWrites, SAFE_METHODS, writeGuard } from './guard/cross-origin-writes.js'

// Types only: the TypeBox schemas are in the `fastify-cors-policy/schema` sub-path, so importing
// the plugin does not load TypeBox.
export type {
  CorsOptions, CorsPolicy, OriginFunction, OriginOption, OriginString, RegistrationOptions, RouteCors
} from './config/schema.js'
export * as errors from './shared/errors.js'
export { OriginSet } from './origins/origin-set.js'
export { originLookup, type OriginLookup, type OriginLookupFunction, type OriginLookupOptions } from './origins/origin-lookup.js'
export type { CorsTools, ExplainInput, Explanation, PolicyRow } from './explain/explain.js'
export type { Reason, RefusedMessage, ReportOnlyMessage, ReportRow, RouteKey } from './shared/report.js'
export * as fetchModel from './browser/fetch-model.js'

declare module 'fastify' {
  // Same type parameters as Fastify's own declaration, so the two merge.
  interface RouteShorthandOptions<
    /* eslint-disable @typescript-eslint/no-unused-vars */
    RawServer extends RawServerBase = RawServerDefault,
    RawRequest extends RawRequestDefaultExpression<RawServer> = RawRequestDefaultExpression<RawServer>,
    RawReply extends RawReplyDefaultExpression<RawServer> = RawReplyDefaultExpression<RawServer>,
    RouteGeneric extends RouteGenericInterface = RouteGenericInterface,
    ContextConfig = ContextConfigDefault,
    SchemaCompiler extends FastifySchema = FastifySchema,
    TypeProvider extends FastifyTypeProvider = FastifyTypeProviderDefault,
    Logger extends FastifyBaseLogger = FastifyBaseLogger
    /* eslint-enable @typescript-eslint/no-unused-vars */
  > {
    /** This route's CORS policy, merged field by field over the plugin's options; `false` turns CORS off. */
    cors?: RouteCors
  }
  interface FastifyInstance {
    /** fastify-cors-policy's tools: `explain()`, `policies()`, `printPolicies()`. */
    cors: CorsTools
  }
  interface FastifyContextConfig {
    /** The `@fastify/cors` form of the route option `cors`. Prefer `cors` on the route: typos there fail to compile. */
    cors?: RouteCors
  }
}

/** Marks the OPTIONS routes the plugin adds, so its own onRoute hook skips them. */
const kOwnRoute = Symbol('fastify-cors-policy.ownRoute')
let registrations = 0

/** The registration that governs a scope; a child scope may have its own. */
const kScope = Symbol('fastify-cors-policy.scope')

interface ScopeState {
  /** The registration's scope and label. */
  readonly fastify: FastifyInstance
  readonly label: string
  /**
   * Whether the onReady hook is added: only routes that declare a policy, or whose path only a
   * router can hold, leave work for it. Without one, ready() takes Fastify's fast path.
   */
  readyWork: boolean
  /** Refusals and report-only differences of every policy of the registration. */
  readonly report: CorsReport
  /** The registration's own policy; false for `origin: false`. */
  readonly global: CompiledPolicy | false
  readonly globalPolicy: CorsPolicy
  readonly matchers: Map<OriginOption, OriginMatcher>
  readonly table: PathTable
  /** The onRequest hook of each policy with a function origin, shared by its routes (freed by the onReady check). */
  readonly originHooks: Map<CompiledPolicy, ReturnType<typeof originHook>>
  /** The write guard of each policy that refuses cross-origin writes, shared by its routes (freed by the onReady check). */
  readonly writeGuards: Map<CompiledPolicy, ReturnType<typeof writeGuard>>
  /** The last route policy compiled, for the HEAD route that follows its GET route. */
  last: { declared: unknown, url: string, policy: CompiledPolicy | false } | null
  /** Route RegExps, analysed for backtracking at ready (onRoute cannot wait for the analysis). */
  readonly routeRegExps: Array<{ re: RegExp, route: string }>
  /** Merged route policies with subdomain patterns or open RegExps, checked against the Public Suffix List at ready. */
  readonly routePatterns: Array<{ policy: CorsPolicy, open: SuffixEntry[], route: string }>
}

/**
 * A route's own policy in its config, for the few routes the path table cannot speak for: OPTIONS
 * routes, and a second route for one method and path (e.g. another version constraint). The rest
 * get theirs from the table: a property here gives every route config its own hidden class.
 */
const kRoutePolicy = Symbol('fastify-cors-policy.routePolicy')
type RouteConfig = { url?: string, [kRoutePolicy]?: CompiledPolicy | false }

type ScopedInstance = FastifyInstance & { [kScope]?: ScopeState }
type SeenRoute = RouteOptions & { routePath: string, prefix: string, [kOwnRoute]?: true }

function routeLabel (method: string | string[], url: string): string {
  return `route ${Array.isArray(method) ? method.join(',') : method} ${url}`
}

/** The route's declared policy as written: `cors` or `config.cors`; undefined when it declares none. */
function declaredPolicy (route: SeenRoute): unknown {
  const own = route.cors
  const fromConfig = (route.config as { cors?: unknown } | undefined)?.cors
  if (own !== undefined && fromConfig !== undefined) throw new FST_CORS_DUPLICATE_POLICY(routeLabel(route.method, route.url))
  return own ?? fromConfig
}

function onRoute (this: ScopedInstance, state: ScopeState, route: SeenRoute): void {
  // Seen, but one of the plugin's own routes, or governed by a registration in a nearer scope.
  if (route[kOwnRoute] === true || this[kScope] !== state) return
  const declared = declaredPolicy(route)
  const policy = declared === false
    ? false
    : declared === undefined ? state.global : routePolicy.call(this, state, declared, route.url, routeLabel(route.method, route.url))
  if (policy !== false && policy.matcher.fn !== null) {
    decorateDecision(this)
    const hook = state.originHooks.get(policy) ?? originHook(policy)
    state.originHooks.set(policy, hook)
    // A new array: the route's own may be shared with other routes.
    route.onRequest = [...toList(route.onRequest), hook] as RouteOptions['onRequest']
  }
  // Routes that take writes get the write guard first, before their own hooks; routes that only
  // read (and policies that do not refuse) get nothing, and pay nothing.
  if (policy !== false && guardsWrites(policy) && takesWrites(route)) {
    const guard = state.writeGuards.get(policy) ?? writeGuard(policy)
    state.writeGuards.set(policy, guard)
    route.onRequest = [guard, ...toList(route.onRequest)] as RouteOptions['onRequest']
  }

  // The app's own OPTIONS routes answer their path's preflights themselves: the router prefers
  // them over the catch-all. Every other method goes into the path's table.
  const methods = route.method
  let listed = typeof methods === 'string' ? methods !== 'OPTIONS' : !methods.includes('OPTIONS')
  if (listed) {
    listed = addRoute(state.table, route.url, methods, policy)
    // Fastify serves a '' route path under a prefix at `prefix` and `prefix + '/'`.
    if (route.routePath === '' && route.prefix !== '') addRoute(state.table, route.url + '/', methods, policy)
  }
  if (!listed) route.config = { ...route.config, [kRoutePolicy]: policy } as RouteOptions['config']
  if (state.table.unplaced) atReady(state)
}

/** Whether a route takes a method that writes, or is a WebSocket route (@fastify/websocket's `websocket: true`). */
function takesWrites (route: SeenRoute): boolean {
  const ws = route as { websocket?: unknown, wsHandler?: unknown }
  if (ws.websocket === true || typeof ws.wsHandler === 'function') return true
  const methods = route.method
  return typeof methods === 'string' ? !SAFE_METHODS.has(methods) : methods.some((m) => !SAFE_METHODS.has(m))
}

/** Adds the registration's onReady hook (atReady()), once. */
function atReady (state: ScopeState): void {
  if (state.readyWork) return
  state.readyWork = true
  state.fastify.addHook('onReady', function () {
    return checkAtReady(this, state)
  })
}

/**
 * Declares the request field an origin function's answer is kept in, on the scope of a policy that
 * has one: Fastify sets each declared field on every request of the scope, so apps without origin
 * functions pay for none (and their cold start skips Fastify's first decorateRequest(), 0.1 ms).
 * A scope made before this has its own copy of the fields: its routes with origin functions
 * declare it there.
 */
function decorateDecision (scope: FastifyInstance): void {
  if (!scope.hasRequestDecorator(kDecision)) scope.decorateRequest(kDecision, null)
}

/** Records the route's methods on its path; false if the table speaks for another route on one of them. */
function addRoute (table: PathTable, url: string, methods: string | string[], policy: CompiledPolicy | false): boolean {
  const entry = pathEntry(table, url)
  if (typeof methods === 'string') return addMethod(entry, methods, policy)
  let added = true
  for (const method of methods) added = addMethod(entry, method, policy) && added
  return added
}

/**
 * Reads, checks and compiles a route's policy. Fastify's automatic HEAD route carries its GET
 * route's `cors` object: it reuses that compiled policy (and its label) instead.
 */
function routePolicy (this: FastifyInstance, state: ScopeState, declared: unknown, url: string, label: string): CompiledPolicy | false {
  const last = state.last
  if (last !== null && last.declared === declared && last.url === url) return last.policy
  atReady(state)
  const read = readPolicy(declared, label, true)
  for (const re of regExpsOf(read)) state.routeRegExps.push({ re, route: label })
  const merged = mergePolicy(state.globalPolicy, read)
  const policy = compile(this, merged, label, state.matchers, read.maxAge, state.report)
  const open = suffixEntries(merged)
  if (open.length > 0) state.routePatterns.push({ policy: merged, open, route: label })
  state.last = { declared, url, policy }
  return policy
}

/**
 * Compiles a merged policy, warning about a maxAge some engine cuts short (where it is declared,
 * not on each route that inherits it) and about plain-http origins trusted with credentials.
 */
function compile (fastify: FastifyInstance, merged: CorsPolicy, label: string, matchers: Map<OriginOption, OriginMatcher>,
  declaredMaxAge: number | undefined, report: CorsReport): CompiledPolicy | false {
  const policy = compilePolicy(merged, label, matchers, report)
  // Engines cap the preflight cache (WebKit 600 s, Chromium 7200 s, Firefox 86400 s): a longer maxAge is not refused, but said.
  for (const note of engineNotes({ maxAge: declaredMaxAge })) fastify.log.warn(`fastify-cors-policy: ${label}: ${note}`)
  const insecure = insecureOrigins(merged)
  if (insecure.length > 0) {
    fastify.log.warn(`fastify-cors-policy: ${label}: credentials are allowed for plain-http origins (${insecure.join(', ')}); ` +
      'anyone on the network path can impersonate them: use https')
  }
  return policy
}

/**
 * Refuses public-suffix patterns with credentials (into `problems`) and warns about those without:
 * a response without credentials is what any HTTP client could fetch too, unless the server trusts
 * the caller's network position, so that is said, not refused.
 */
function publicSuffixes (fastify: FastifyInstance, merged: CorsPolicy, entries: SuffixEntry[], label: string, problems: Problems, where = ''): void {
  const open = checkPublicSuffixes(merged, entries, problems, where)
  if (open.length > 0) {
    fastify.log.warn(`fastify-cors-policy: ${label}: ${open.join(', ')} ${open.length === 1 ? 'covers' : 'cover'} a whole public suffix: ` +
      'any page registered under it can read these responses. Fine for public data; if the API trusts its network ' +
      "(an intranet) or may ever use credentials, name your own domain, e.g. 'https://*.example.com'")
  }
}

function toList<T> (hooks: T | T[] | undefined): T[] {
  return hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks]
}

const corsPolicy: FastifyPluginAsync<CorsOptions> = async function corsPolicy (fastify, options) {
  checkFastify(fastify, 'fastify-cors-policy')
  const instance = fastify as ScopedInstance
  if (Object.hasOwn(instance, kScope)) throw new FST_CORS_ALREADY_REGISTERED()
  const label = `registration at ${fastify.prefix === '' ? '/' : fastify.prefix}`
  // Every problem at once: the RegExp analysis adds its findings before anything is thrown.
  const problems = new Problems(label)
  const read = readPolicy(options, label, false, problems)
  const regExps = regExpsOf(read)
  // Most policies have none: the analysis is then not even called.
  if (regExps.length > 0) await checkBacktracking(regExps.map((re) => ({ re, problems })))
  // The policy fields only (mergePolicy picks them), without the registration options.
  const globalPolicy = mergePolicy({}, read)
  const open = suffixEntries(globalPolicy)
  if (open.length > 0) {
    await loadPublicSuffixList()
    publicSuffixes(fastify, globalPolicy, open, label, problems)
  }
  problems.throwIfAny()
  const table = pathTable(fastify)
  if (routerNeeded(table.matching)) await loadRouter()
  const matchers = new Map<OriginOption, OriginMatcher>()
  // Routes that exist already were declared before the plugin. On the root every route is in
  // scope; in a prefixed scope, the routes under the prefix are. An unprefixed child scope cannot
  // tell its routes from its siblings', so it cannot check.
  if (Object.getPrototypeOf(fastify) === Object.prototype || fastify.prefix !== '') findUncovered(fastify, fastify.prefix, STRATEGY)
  const report = new CorsReport()
  report.counting = read.report === true
  report.declared = read.report !== undefined
  const state: ScopeState = {
    fastify,
    label,
    readyWork: false,
    global: compile(fastify, globalPolicy, label, matchers, globalPolicy.maxAge, report),
    report,
    globalPolicy,
    matchers,
    table,
    originHooks: new Map(),
    writeGuards: new Map(),
    last: null,
    routeRegExps: [],
    routePatterns: []
  }
  instance[kScope] = state

  if (read.strictPreflight === true) state.table.strict = true
  if (read.preflight !== false && !fastify.hasConstraintStrategy(STRATEGY)) fastify.addConstraintStrategy(preflightStrategy(state.table))
  if (state.global !== false && state.global.matcher.fn !== null) decorateDecision(fastify)

  if (!fastify.hasDecorator('cors')) {
    const tools: CorsTools = {
      explain: (input) => explain(fastify, state.table, state.global, label, input),
      policies: () => policies(state.table),
      printPolicies: () => printPolicies(state.table),
      report: () => state.report.snapshot(),
      clearReport: () => state.report.clear()
    }
    fastify.decorate('cors', tools)
  }

  fastify.addHook('onRoute', function (this: ScopedInstance, route) {
    onRoute.call(this, state, route as SeenRoute)
  })

  // Preflights go to a catch-all OPTIONS route, constrained to preflights for known paths (the
  // app's own OPTIONS routes are more specific and keep theirs). It lives in a child scope whose
  // first onRequest hook answers: Fastify passes hooks the app adds later (an auth hook that
  // would answer 401) down to children, but after this one.
  // `preflight: false` (from @fastify/cors): no preflight routes, OPTIONS requests go to the app.
  const preflightRoute = {
    method: 'OPTIONS',
    constraints: { [STRATEGY]: `r${registrations++}` },
    exposeHeadRoute: false,
    schema: { hide: read.hideOptionsRoute !== false },
    ...(read.logLevel === undefined ? {} : { logLevel: read.logLevel }),
    handler: continuePreflight,
    [kOwnRoute]: true
  } as unknown as RouteOptions
  if (read.preflight !== false) fastify.register(corsPreflightScope, { route: preflightRoute, strict: read.strictPreflight === true })

  // One onSend hook for every response in scope. A route's policy comes from the path table (or
  // its config); a 404 (the not-found handler, reply.callNotFound()) gets the global policy.
  // Route-level hooks would cost a closure per policy and a second bound hook per route.
  fastify.addHook('onSend', function corsHeaders (this: ScopedInstance, request: FastifyRequest, reply: FastifyReply, payload, done) {
    // Nested registrations each add this hook; the nearest one governs.
    if (this[kScope] !== state) {
      done(null, payload)
      return
    }
    const config = request.routeOptions.config as RouteConfig
    let policy: CompiledPolicy | false | undefined
    if (config.url === undefined) {
      // An unanswered preflight stays without CORS headers, as a refused one does.
      policy = request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined ? false : state.global
    } else {
      policy = config[kRoutePolicy]
      if (policy === undefined) {
        const entry = state.table.byUrl.get(config.url)
        policy = entry === undefined ? undefined : policyOf(entry, request.method)
      }
    }
    if (policy === undefined || policy === false) done(null, payload)
    else sendHeaders(policy, request, reply, payload, done, config.url)
  })
}

/** The child scope of a registration's preflight routes: its first onRequest hook answers. */
async function corsPreflightScope (own: FastifyInstance, { route, strict }: { route: RouteOptions, strict: boolean }): Promise<void> {
  own.addHook('onRequest', preflightHook(strict))
  own.route({ ...route, url: '/*' })
  if (own.prefix !== '') own.route({ ...route, url: '/' })
}
// Named as fastify-plugin names plugins: without a display name, Fastify looks for the
// function among the exports of every module in require.cache (a few hundred, cold).
Object.assign(corsPreflightScope, { [Symbol.for('fastify.display-name')]: 'fastify-cors-policy preflight' })

/**
 * At ready, once routes declared policies or paths only a router can hold: find-my-way loaded and
 * those paths placed in it; the route RegExps' analysis and the route patterns' Public Suffix
 * List check, every route's problems in one error (ready() fails with it); then frees what only
 * registration needed (no route is added after ready).
 */
async function checkAtReady (fastify: FastifyInstance, state: ScopeState): Promise<void> {
  if (state.table.unplaced) {
    await loadRouter()
    placePatterns(state.table)
  }
  const routes = new Problems(state.label)
  if (state.routeRegExps.length > 0) await checkBacktracking(state.routeRegExps.map(({ re, route }) => ({ re, problems: routes, where: route })))
  if (state.routePatterns.length > 0) await loadPublicSuffixList()
  for (const { policy, open, route } of state.routePatterns) publicSuffixes(fastify, policy, open, route, routes, `${route}: `)
  state.matchers.clear()
  state.originHooks.clear()
  state.writeGuards.clear()
  state.last = null
  state.routeRegExps.length = 0
  state.routePatterns.length = 0
  routes.throwIfAny()
}

/** The plugin. Register it before declaring routes: `await app.register(cors, options)`. */
export const fastifyCorsPolicy = asPlugin(corsPolicy, { name: 'fastify-cors-policy' })
export default fastifyCorsPolicy

/**
 * Checks a policy loaded at boot (JSON file, environment) with the same rules and messages as
 * registration, and returns it typed. `where` names it in errors.
 */
export function parsePolicy (value: unknown, where = 'policy'): CorsPolicy {
  const policy = readPolicy(value, where, true)
  checkMerged(policy, where)
  return policy
}

/** A comma-separated list of origins (e.g. the CORS_ORIGINS environment variable), trimmed. */
export function originsFromEnv (value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '')
}

/**
 * Returns its argument, typed and checked by TypeScript: for shared named policies. Unknown keys
 * are compile errors (a `const` type parameter alone would let `{ origin: '*', orgin: '*' }` by).
 */
export function definePolicy<const P extends CorsPolicy> (policy: P & Record<Exclude<keyof P, keyof CorsPolicy>, never>): P {
  return policy
}
