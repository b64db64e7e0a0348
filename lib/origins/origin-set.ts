import { checkOriginEntry } from './origin-entry.js'
import { Problems } from '../shared/problems.js'

/**
 * An allow-list the app changes while serving: `origin: tenants` (alone or inside a list), shared
 * by as many routes as name it. Matching is a Set lookup, O(1) whatever its size. Entries are
 * checked as allow-list origins are at registration; an invalid one throws FST_CORS_INVALID_ORIGIN.
 */
export class OriginSet {
  private readonly origins = new Set<string>()

  constructor (initial: Iterable<string> = []) {
    for (const origin of initial) this.add(origin)
  }

  /** Allows `origin` from now on, e.g. 'https://shop.example.com'. */
  add (origin: string): this {
    const problems = new Problems('origin set')
    if (origin === 'null') problems.origin("origin 'null' cannot be added to a set: anyone can send it; use a list with allowNullOrigin: true")
    else if (origin.includes('*')) problems.origin(`origin pattern '${origin}' cannot be added to a set, which holds exact origins; put the pattern in the policy's origin list beside the set`)
    else checkOriginEntry(origin, problems)
    problems.throwIfAny()
    this.origins.add(origin)
    return this
  }

  /** Stops allowing `origin`; returns whether it was there. */
  delete (origin: string): boolean {
    return this.origins.delete(origin)
  }

  has (origin: string): boolean {
    return this.origins.has(origin)
  }

  clear (): void {
    this.origins.clear()
  }

  get size (): number {
    return this.origins.size
  }

  values (): IterableIterator<string> {
    return this.origins.values()
  }

  /** For printPolicies(). */
  toString (): string {
    return `origin set of ${this.origins.size}`
  }

  /** For policies() and explain() as JSON: the origins it holds now. */
  toJSON (): string[] {
    return [...this.origins]
  }
}
