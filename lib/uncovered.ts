import type { FastifyInstance } from 'fastify'
import { FST_CORS_ROUTES_BEFORE_PLUGIN } from './errors.js'

/**
 * A line of `printRoutes()`: tree drawing (4 columns a level), then the radix segment that
 * extends the parent's path, then "(GET, HEAD)" and any constraints where routes end.
 */
const LINE = /^([│├└─ ]*)(\S+)(?: \(([A-Z][A-Z, _-]*)\)(.*))?$/

/** find-my-way ignores parameter names ('/a/:id' and '/a/:name' are one path); so do we. */
export function pathKey (url: string): string {
  return url.replace(/:[^/.\-(|:]+(?:\|:[^/.\-(|:]+)*/g, ':')
}

/**
 * Throws if routes under the plugin's prefix exist that its onRoute hook never saw: they were
 * declared before the plugin ran, so they would silently go without CORS and without preflights.
 * Fastify has no public route list; its route printout is the one public view of the router.
 * If a line ever fails to parse (a future format), the check stands down rather than guess.
 */
export function findUncovered (fastify: FastifyInstance, prefix: string, seen: ReadonlySet<string>, ownConstraint: string): void {
  const missed: string[] = []
  const segments: string[] = []
  for (const line of fastify.printRoutes().split('\n')) {
    if (line === '') continue
    const match = LINE.exec(line)
    if (match === null) return
    segments.length = Math.max(0, match[1].length / 4 - 1)
    segments.push(match[2])
    if (match[3] === undefined || match[4].includes(ownConstraint)) continue
    const url = segments.join('')
    if (prefix !== '' && url !== prefix && !url.startsWith(prefix + '/')) continue
    const key = pathKey(url)
    for (const method of match[3].split(', ')) {
      if (!seen.has(`${method} ${key}`)) missed.push(`${method} ${url}`)
    }
  }
  if (missed.length > 0) throw new FST_CORS_ROUTES_BEFORE_PLUGIN(missed.slice(0, 10).join(', ') + (missed.length > 10 ? ', …' : ''))
}
