import type { FastifyInstance } from 'fastify'
import { FST_CORS_ROUTES_BEFORE_PLUGIN } from './errors.js'

/** A line of `printRoutes({ commonPrefix: false })`: "├── /path (GET, HEAD) {constraints}". */
const LINE = /^[│├└─\s]*(\S.*?) \(([A-Z][A-Z, _-]*)\)(.*)$/

/**
 * Throws if routes under the plugin's prefix exist that its onRoute hook never saw: they were
 * declared before the plugin ran, so they would silently go without CORS and without preflights.
 * Fastify has no public route list; its route printout is the one public view of the router.
 */
export function findUncovered (fastify: FastifyInstance, prefix: string, seen: ReadonlySet<string>, ownConstraint: string): void {
  const missed: string[] = []
  for (const line of fastify.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = LINE.exec(line)
    if (match === null || match[3].includes(ownConstraint)) continue
    const url = match[1]
    if (prefix !== '' && url !== prefix && !url.startsWith(prefix + '/')) continue
    for (const method of match[2].split(', ')) {
      if (!seen.has(`${method} ${url}`)) missed.push(`${method} ${url}`)
    }
  }
  if (missed.length > 0) throw new FST_CORS_ROUTES_BEFORE_PLUGIN(missed.slice(0, 10).join(', ') + (missed.length > 10 ? ', …' : ''))
}
