import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { IncomingMessage } from 'node:http'
import { runOriginFunction } from './actual.js'
import type { CompiledPolicy } from './policy.js'
import { addVary } from './vary.js'

/** Methods the Fetch standard lets through a preflight whatever Access-Control-Allow-Methods says. */
const SAFELISTED_METHODS = new Set(['GET', 'HEAD', 'POST'])

/** Name of the route constraint that sends preflights, and only preflights, to our OPTIONS routes. */
export const STRATEGY = 'fastifyCorsPolicyPreflight'
const PREFLIGHT = 'preflight'

/** Entry ids whose path got an OPTIONS route from the app after ours: the app's wins there. */
const appOwned = new Set<string>()
let nextId = 0

/** Everything a preflight on one path needs, filled in as routes on the path are added. */
export interface PathEntry {
  readonly id: string
  readonly url: string
  /** The policy of each method on the path; false where the route turned CORS off. */
  readonly byMethod: Map<string, CompiledPolicy | false>
  /** Methods grouped by origin matcher, for `methods: 'auto'`; rebuilt when a route is added. */
  groups: Array<{ policy: CompiledPolicy, methods: string }>
  /** The preflight's `Vary` value. */
  vary: string
  /** An OPTIONS route (ours or the app's) exists for this path. */
  routed: boolean
}

export function newEntry (url: string): PathEntry {
  return { id: 'p' + String(nextId++), url, byMethod: new Map(), groups: [], vary: '', routed: false }
}

/** Records `method`'s policy on the path and recomputes what depends on the set of methods. */
export function addMethod (entry: PathEntry, method: string, policy: CompiledPolicy | false): void {
  // A path can carry one method twice (e.g. version constraints); the first route keeps it.
  if (entry.byMethod.has(method)) return
  entry.byMethod.set(method, policy)
  const groups = new Map<CompiledPolicy['matcher'], { policy: CompiledPolicy, methods: string[] }>()
  let allPublic = true
  for (const [m, p] of entry.byMethod) {
    if (p === false) continue
    if (!p.public) allPublic = false
    const group = groups.get(p.matcher)
    if (group === undefined) groups.set(p.matcher, { policy: p, methods: [m] })
    else group.methods.push(m)
  }
  entry.groups = [...groups.values()].map((g) => ({ policy: g.policy, methods: g.methods.join(', ') }))
  entry.vary = (allPublic ? '' : 'Origin, ') +
    'Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network'
}

/** The app declared its own OPTIONS route on this path after ours: let it answer preflights too. */
export function yieldToApp (entry: PathEntry): void {
  appOwned.add(entry.id)
}

/**
 * find-my-way constraint strategy. Every OPTIONS route of ours is constrained to its entry id;
 * a preflight derives the value 'preflight', which the storage maps to the one route of ours on
 * that path unless the app owns the path. Unconstrained routes (the app's) take everything else.
 */
type Strategy = Parameters<FastifyInstance['addConstraintStrategy']>[0]
type Stored = NonNullable<ReturnType<ReturnType<Strategy['storage']>['get']>>

export const preflightStrategy: Strategy = {
  name: STRATEGY,
  mustMatchWhenDerived: false,
  storage () {
    const byId = new Map<string, Stored>()
    return {
      get (value: string): Stored | null {
        if (value !== PREFLIGHT) return byId.get(value) ?? null
        let found: Stored | null = null
        for (const [id, store] of byId) if (!appOwned.has(id)) found = store
        return found
      },
      set (value: string, store: Stored): void {
        byId.set(value, store)
      }
    }
  },
  deriveConstraint (req: IncomingMessage): string | undefined {
    return req.method === 'OPTIONS' && req.headers.origin !== undefined &&
      req.headers['access-control-request-method'] !== undefined
      ? PREFLIGHT
      : undefined
  }
}

function deny (request: FastifyRequest, reply: FastifyReply, reason: string): FastifyReply {
  request.log.debug({ origin: request.headers.origin, reason }, `fastify-cors-policy: preflight denied: ${reason}`)
  // 204 without CORS headers: the browser then reports the real cause (no Allow-Origin)
  // instead of a misleading "preflight did not have HTTP ok status".
  return reply.code(204).send()
}

/** Parses Access-Control-Request-Headers: lowercased names, no empty items, no duplicates. */
function requestedHeaders (raw: string | string[] | undefined): string[] {
  if (raw === undefined) return []
  const names = new Set<string>()
  for (const item of String(raw).split(',')) {
    const name = item.trim().toLowerCase()
    if (name !== '') names.add(name)
  }
  return [...names]
}

/** `'auto'` methods: those on the path whose policy admits this origin. */
async function autoMethodsAsync (entry: PathEntry, policy: CompiledPolicy, origin: string, request: FastifyRequest): Promise<string> {
  const out: string[] = []
  for (const group of entry.groups) {
    const ok = group.policy.matcher === policy.matcher ||
      (group.policy.matcher.fn === null ? group.policy.matcher.test(origin) : await runOriginFunction(group.policy, origin, request))
    if (ok) out.push(group.methods)
  }
  return out.join(', ')
}

function autoMethods (entry: PathEntry, policy: CompiledPolicy, origin: string, request: FastifyRequest): string | Promise<string> {
  const groups = entry.groups
  if (groups.length === 1) return groups[0].methods
  const out: string[] = []
  for (const group of groups) {
    if (group.policy.matcher.fn !== null && group.policy.matcher !== policy.matcher) {
      return autoMethodsAsync(entry, policy, origin, request)
    }
    if (group.policy.matcher === policy.matcher || group.policy.matcher.test(origin)) out.push(group.methods)
  }
  return out.join(', ')
}

function approve (entry: PathEntry, policy: CompiledPolicy, request: FastifyRequest, reply: FastifyReply,
  origin: string, method: string): FastifyReply | Promise<FastifyReply> {
  if (policy.methodSet !== null && !policy.methodSet.has(method) && !SAFELISTED_METHODS.has(method)) {
    return deny(request, reply, `method ${method} is not in methods of ${policy.label}`)
  }
  const headers = requestedHeaders(request.headers['access-control-request-headers'])
  if (policy.allowHeaderSet !== null) {
    for (const name of headers) {
      if (!policy.allowHeaderSet.has(name)) {
        return deny(request, reply, `header '${name}' is not in allowedHeaders of ${policy.label}`)
      }
    }
  }
  const privateNetwork = request.headers['access-control-request-private-network'] === 'true'
  if (privateNetwork && !policy.privateNetwork) {
    return deny(request, reply, `private network access is not allowed by ${policy.label}`)
  }
  const methods = policy.methods ?? autoMethods(entry, policy, origin, request)
  const finish = (allowMethods: string): FastifyReply => {
    reply.header('access-control-allow-origin', policy.public ? '*' : origin)
    if (policy.credentials) reply.header('access-control-allow-credentials', 'true')
    reply.header('access-control-allow-methods', allowMethods)
    const allowHeaders = policy.allowHeaders ?? headers.join(', ')
    if (allowHeaders !== '') reply.header('access-control-allow-headers', allowHeaders)
    if (policy.maxAge !== null) reply.header('access-control-max-age', policy.maxAge)
    if (privateNetwork) reply.header('access-control-allow-private-network', 'true')
    return reply.code(204).send()
  }
  return typeof methods === 'string' ? finish(methods) : methods.then(finish)
}

/** The handler of our OPTIONS route for one path. The constraint guarantees both headers exist. */
export function preflightHandler (entry: PathEntry) {
  return function corsPreflight (request: FastifyRequest, reply: FastifyReply): FastifyReply | Promise<FastifyReply> {
    const origin = request.headers.origin as string
    const method = request.headers['access-control-request-method'] as string
    addVary(reply, entry.vary)
    const policy = entry.byMethod.get(method)
    if (policy === undefined) {
      return deny(request, reply, `no route ${method} ${entry.url} (methods on this path: ${[...entry.byMethod.keys()].join(', ')})`)
    }
    if (policy === false) return deny(request, reply, `CORS is off for route ${method} ${entry.url}`)
    if (policy.matcher.fn === null) {
      return policy.matcher.test(origin)
        ? approve(entry, policy, request, reply, origin, method)
        : deny(request, reply, `origin '${origin}' is not allowed by ${policy.label}`)
    }
    const result = runOriginFunction(policy, origin, request)
    const next = (ok: boolean): FastifyReply | Promise<FastifyReply> => ok
      ? approve(entry, policy, request, reply, origin, method)
      : deny(request, reply, `origin '${origin}' is not allowed by ${policy.label}`)
    return typeof result === 'boolean' ? next(result) : result.then(next)
  }
}
