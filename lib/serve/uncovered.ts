import type { FastifyInstance } from 'fastify'
import { FST_CORS_ROUTES_BEFORE_PLUGIN } from '../shared/errors.js'

/**
 * A line of `printRoutes({ method })`: tree drawing (4 columns a level), then the radix segment
 * that extends the parent's path, then "(GET)" and any constraints where routes end.
 */
const LINE = /^([│├└─ ]*)(\S+)(?: \(([A-Z][A-Z, _-]*)\)(.*))?$/
/** What find-my-way prints for a method without routes. */
const EMPTY = '(empty tree)'

/**
 * Throws if routes under the plugin's prefix already exist when the plugin runs: they were
 * declared before it (or after an `app.register()` that was not awaited), so its onRoute hook
 * never sees them and they would silently go without CORS and without preflights. Fastify has no
 * public route list; its route printout is the one public view of the router. Run at
 * registration, it prints only the routes declared so far (usually none), not the whole app;
 * one method at a time, as printing them all at once builds a merged copy of the router (0.3 ms
 * of a cold start, bench/README.md). If a line ever fails to parse (a future format), the check
 * stands down rather than guess.
 */
export function findUncovered (fastify: FastifyInstance, prefix: string, ownConstraint: string): void {
  const missed: string[] = []
  const segments: string[] = []
  for (const method of fastify.supportedMethods) {
    const printed = fastify.printRoutes({ method })
    if (printed === EMPTY) continue
    for (const line of printed.split('\n')) {
      if (line === '') continue
      const match = LINE.exec(line)
      if (match === null) return
      segments.length = Math.max(0, match[1].length / 4 - 1)
      segments.push(match[2])
      if (match[3] === undefined || match[4].includes(ownConstraint)) continue
      const url = segments.join('')
      if (prefix !== '' && url !== prefix && !url.startsWith(prefix + '/')) continue
      missed.push(`${method} ${url}`)
    }
  }
  if (missed.length > 0) throw new FST_CORS_ROUTES_BEFORE_PLUGIN(missed.slice(0, 10).join(', ') + (missed.length > 10 ? ', …' : ''))
}
