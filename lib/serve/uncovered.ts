import type { FastifyInstance } from 'fastify'
import { FST_CORS_ROUTES_BEFORE_PLUGIN } from '../shared/errors.js'

/**
 * A line of `printRoutes()`: tree drawing (4 columns a level), then the radix segment that
 * extends the parent's path, then "(GET, HEAD)" and any constraints where routes end.
 */
const LINE = /^([│├└─ ]*)(\S+)(?: \(([A-Z][A-Z, _-]*)\)(.*))?$/

/**
 * Throws if routes under the plugin's prefix already exist when the plugin runs: they were
 * declared before it (or after an `app.register()` that was not awaited), so its onRoute hook
 * never sees them and they would silently go without CORS and without preflights. Fastify has no
 * public route list; its route printout is the one public view of the router. Run at
 * registration, it prints only the routes declared so far (usually none), not the whole app.
 * If a line ever fails to parse (a future format), the check stands down rather than guess.
 */
export function findUncovered (fastify: FastifyInstance, prefix: string, ownConstraint: string): void {
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
    for (const method of match[3].split(', ')) missed.push(`${method} ${url}`)
  }
  if (missed.length > 0) throw new FST_CORS_ROUTES_BEFORE_PLUGIN(missed.slice(0, 10).join(', ') + (missed.length > 10 ? ', …' : ''))
}
