import type { Problems } from '../shared/problems.js'
import { REGISTRATION_FIELDS } from './fields.js'

/**
 * The one @fastify/cors option with no equivalent here, and what to write instead. Every other
 * option is accepted with its @fastify/cors meaning (see the README's migration section).
 */
export const REFUSED: Record<string, string> = {
  delegator: 'it builds a policy per request; here policies are compiled at startup. Give each route its own ' +
    "policy with the `cors` route option (app.get('/x', { cors: { origin: ['https://app.example.com'] } }, handler)), " +
    'or decide the origin per request with an origin function (origin, request) => boolean | Promise<boolean>'
}

const LISTS = new Set(['methods', 'allowedHeaders', 'exposedHeaders'])

function list (value: unknown): unknown {
  return typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter((s) => s !== '') : value
}

/** @fastify/cors resets `lastIndex` before each test; a copy without g and y needs no reset. */
export function stateless (value: unknown): unknown {
  return value instanceof RegExp && (value.global || value.sticky) ? new RegExp(value.source, value.flags.replace(/[gy]/g, '')) : value
}

/**
 * Maps an options object written for @fastify/cors to this plugin's form: comma-separated strings
 * become lists, a list holding '*' means '*' (as there), RegExps lose the stateful g/y flags.
 * Refuses `delegator`, and registration options given in a route policy. Returns a new object;
 * anything else passes through to the schema check.
 */
export function fromFastifyCors (value: Record<string, unknown>, problems: Problems, route: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, v] of Object.entries(value)) {
    if (key in REFUSED) {
      problems.invalid(`the @fastify/cors option '${key}' is not supported: ${REFUSED[key]}`)
      continue
    }
    if (route && (REGISTRATION_FIELDS as string[]).includes(key)) {
      problems.invalid(`'${key}' is an option of the registration, not of a route policy; set it in app.register(cors, { ${key}: … })`)
      continue
    }
    let mapped = v
    if (LISTS.has(key) && v !== 'auto' && v !== '*') {
      mapped = list(v)
      // A list holding '*' is the '*' form (a header literally named '*' cannot be meant).
      if (key !== 'methods' && Array.isArray(mapped) && mapped.includes('*')) mapped = '*'
    }
    if (key === 'origin') {
      mapped = Array.isArray(v) ? (v.includes('*') ? '*' : v.map(stateless)) : stateless(v)
    }
    out[key] = mapped
  }
  return out
}
