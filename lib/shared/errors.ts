// lib/shared: leaves every stage may use: error codes, problem lists, log throttling, waiting on an app's promise.
import createError, { type FastifyErrorConstructor } from '@fastify/error'

// Explicit types: the inferred ones name `createError.` as a namespace, which some module
// resolutions (bundler) cannot follow through a default import.
type Two = FastifyErrorConstructor<{ code: string }, [string, string]>
type One = FastifyErrorConstructor<{ code: string }, [string]>

/** A field has the wrong type, or a field is unknown. */
export const FST_CORS_INVALID_OPTION: Two = createError<[string, string]>(
  'FST_CORS_INVALID_OPTION', 'fastify-cors-policy: %s: %s'
)

/** A policy is well typed but unsafe or meaningless (e.g. `origin: '*'` with credentials). */
export const FST_CORS_UNSAFE_POLICY: Two = createError<[string, string]>(
  'FST_CORS_UNSAFE_POLICY', 'fastify-cors-policy: %s: %s'
)

/** An allow-list origin is not what a browser sends in `Origin`. */
export const FST_CORS_INVALID_ORIGIN: Two = createError<[string, string]>(
  'FST_CORS_INVALID_ORIGIN', 'fastify-cors-policy: %s: %s'
)

/** A route gives both `cors` and `config.cors`. */
export const FST_CORS_DUPLICATE_POLICY: One = createError<[string]>(
  'FST_CORS_DUPLICATE_POLICY',
  'fastify-cors-policy: %s: gives both `cors` and `config.cors`; keep one of them'
)

/** Routes were declared in the plugin's scope before the plugin was registered. */
export const FST_CORS_ROUTES_BEFORE_PLUGIN: One = createError<[string]>(
  'FST_CORS_ROUTES_BEFORE_PLUGIN',
  'fastify-cors-policy: these routes were declared before the plugin was registered, so it cannot ' +
  'answer their preflights: %s. Register the plugin first and wait for it before declaring routes: ' +
  'in ES modules, `await app.register(cors, options)`; in CommonJS (no top-level await), ' +
  '`app.register(cors, options).after(() => { app.get(...) })`, or declare the routes in a plugin ' +
  'registered after it: `app.register(cors, options); app.register(routes)`.'
)

/** The plugin was registered twice in one scope. */
export const FST_CORS_ALREADY_REGISTERED: FastifyErrorConstructor<{ code: string }, []> = createError<[]>(
  'FST_CORS_ALREADY_REGISTERED',
  'fastify-cors-policy: already registered in this scope; register it once per scope ' +
  '(a child scope may register it again with its own global options)'
)

/** The plugin was registered on a Fastify other than 5.x. */
export const FST_CORS_FASTIFY_VERSION: Two = createError<[string, string]>(
  'FST_CORS_FASTIFY_VERSION', 'fastify-cors-policy: %s needs Fastify 5.x; this app runs Fastify %s'
)
