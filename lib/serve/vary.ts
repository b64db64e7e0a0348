import type { FastifyReply } from 'fastify'

/**
 * `current` with each of `fields` that it lacks appended (field names compare case-insensitively;
 * `*` already covers everything), as the `vary` package appends. Written here because loading that
 * package cost about a tenth of Fastify's own import time (bench/cold-start.mjs); @fastify/cors
 * carries its own too.
 */
export function appendVary (current: string, fields: string): string {
  if (current === '*') return current
  // Split as `vary` does: at commas, spaces (not other whitespace) trimmed, empty entries dropped.
  const present = current.toLowerCase().split(',').map((f) => f.replace(/^ +| +$/g, '')).filter((f) => f !== '')
  if (present.includes('*')) return '*'
  const missing = fields.split(', ').filter((f) => !present.includes(f.toLowerCase()))
  if (missing.length === 0) return current
  return current === '' ? missing.join(', ') : `${current}, ${missing.join(', ')}`
}

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
  const next = appendVary(text, fields)
  if (next !== text) reply.header('vary', next)
}
