import type { FastifyReply } from 'fastify'
import vary from 'vary'

/**
 * Adds `fields` to the reply's `Vary`, keeping the app's values and adding no duplicates.
 * `fields` is a precomputed, valid list such as "Origin".
 */
export function addVary (reply: FastifyReply, fields: string): void {
  const current = reply.getHeader('vary')
  if (current === undefined) {
    reply.header('vary', fields)
    return
  }
  const text = Array.isArray(current) ? current.join(', ') : String(current)
  const next = vary.append(text, fields)
  if (next !== text) reply.header('vary', next)
}
