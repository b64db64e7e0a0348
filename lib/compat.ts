import { FST_CORS_INVALID_OPTION, FST_CORS_UNSAFE_POLICY } from './errors.js'

/**
 * @fastify/cors options that have no field of the same meaning here: what to use instead.
 * (origin, credentials, methods, allowedHeaders, exposedHeaders and maxAge are fields here.)
 */
export const REFUSED: Record<string, string> = {
  hook: 'headers are always set in onSend, so every response (401s from auth hooks, errors, 404s) gets them, and preflights are answered before hooks added later; remove it',
  delegator: 'give routes their own policy with the `cors` route option, or decide per request with an origin function (origin, request) => boolean | Promise<boolean>',
  preflightContinue: 'declare your own OPTIONS route for the path: it takes precedence over the plugin for that path',
  optionsSuccessStatus: 'preflights are answered 204; every browser the Fetch standard covers accepts it',
  cacheControl: 'shared caches do not store preflights; use maxAge for the browser preflight cache',
  strictPreflight: 'an OPTIONS request without Origin or Access-Control-Request-Method is not a preflight: it goes to your routes or gets a 404; remove it',
  logLevel: "denials are logged at debug level through the request's logger; set the level on your Fastify logger or route"
}

/** @fastify/cors options accepted with no effect, because this plugin always does what they ask. */
export const ALWAYS: Record<string, unknown> = {
  preflight: true, // preflights are always answered for routes in scope
  hideOptionsRoute: true // the preflight routes are always hidden from schemas (schema.hide)
}

function list (value: unknown): unknown {
  return typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter((s) => s !== '') : value
}

/**
 * Maps an options object written for @fastify/cors: comma-separated strings become lists, options
 * this plugin always honours are dropped, and the rest are refused with what to use instead.
 * Returns a new object; anything else passes through to the schema check.
 */
export function fromFastifyCors (value: Record<string, unknown>, where: string): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [key, v] of Object.entries(value)) {
    if (key in REFUSED) throw new FST_CORS_INVALID_OPTION(where, `the @fastify/cors option '${key}' is not supported: ${REFUSED[key]}`)
    if (key in ALWAYS) {
      if (v !== ALWAYS[key]) {
        throw new FST_CORS_INVALID_OPTION(where, `the @fastify/cors option '${key}: ${String(v)}' is not supported: ` +
          (key === 'preflight' ? 'to answer a path\'s preflights yourself, declare an OPTIONS route for it' : 'the preflight routes are always hidden'))
      }
      continue
    }
    if (key === 'origin' && typeof v === 'boolean') {
      throw new FST_CORS_UNSAFE_POLICY(where, v
        ? "origin: true (reflect every origin) is refused: with credentials it lets any site act as your users; list the origins you serve, or use origin: '*' without credentials"
        : 'origin: false is not a policy here: put `cors: false` on the routes that must not have CORS, or do not register the plugin')
    }
    // Comma-delimited strings become lists; 'auto' and '*' keep their meaning.
    out[key] = (key === 'methods' || key === 'allowedHeaders' || key === 'exposedHeaders') && v !== 'auto' && v !== '*' ? list(v) : v
  }
  return out
}
