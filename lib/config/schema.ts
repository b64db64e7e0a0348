// The TypeBox schemas of a policy, for users' tooling (`fastify-cors-policy/schema`): the plugin's
// own checks (fields.ts) do not load TypeBox. The policy types are derived from these schemas.
import { Kind, Type, TypeRegistry, type Static, type TUnsafe } from '@sinclair/typebox'
import { OriginSet } from '../origins/origin-set.js'
import type { OriginFunction, OriginOption, OriginString } from '../origins/origin-types.js'

export type { OriginFunction, OriginOption, OriginString } from '../origins/origin-types.js'

// TypeBox has no built-in "instance of RegExp" kind; register one so RegExp origins validate.
const REGEXP_KIND = 'FastifyCorsPolicyRegExp'
if (!TypeRegistry.Has(REGEXP_KIND)) {
  TypeRegistry.Set(REGEXP_KIND, (_schema, value) => value instanceof RegExp)
}

const RegExpInstance: TUnsafe<RegExp> = Type.Unsafe<RegExp>({ [Kind]: REGEXP_KIND, description: 'a RegExp' })

const ORIGIN_SET_KIND = 'FastifyCorsPolicyOriginSet'
if (!TypeRegistry.Has(ORIGIN_SET_KIND)) {
  TypeRegistry.Set(ORIGIN_SET_KIND, (_schema, value) => value instanceof OriginSet)
}
const OriginSetInstance: TUnsafe<OriginSet> = Type.Unsafe<OriginSet>({ [Kind]: ORIGIN_SET_KIND, description: 'an OriginSet' })

const OriginFunctionSchema: TUnsafe<OriginFunction> = Type.Unsafe<OriginFunction>(
  Type.Function(
    [Type.String(), Type.Any()],
    Type.Union([Type.Boolean(), Type.Promise(Type.Boolean())])
  )
)

const OriginStringSchema: TUnsafe<OriginString> = Type.Unsafe<OriginString>(Type.String())

/** `origin`: its Static type is OriginOption (origin-types.ts), where the request path reads it. */
export const OriginSchema: TUnsafe<OriginOption> = Type.Unsafe<OriginOption>(Type.Union([
  Type.Literal('*'),
  Type.Boolean(),
  OriginStringSchema,
  RegExpInstance,
  OriginSetInstance,
  Type.Array(Type.Union([OriginStringSchema, RegExpInstance, OriginSetInstance])),
  OriginFunctionSchema
]))

/** The fields of a policy, and of its report-only candidate. */
const PolicyFields = {
  /**
   * Which origins may read responses: `'*'`, one origin, a RegExp, a list of those, or a function.
   * `true` reflects every origin (refused with credentials); `false` turns CORS off. Default `'*'`.
   */
  origin: Type.Optional(OriginSchema),
  /** Send `Access-Control-Allow-Credentials: true` (cookies, HTTP auth). Default `false`. */
  credentials: Type.Optional(Type.Boolean()),
  /** Methods a preflight allows. `'auto'` (default) lists the methods registered on the path. */
  methods: Type.Optional(Type.Union([Type.Array(Type.String()), Type.Literal('auto')])),
  /** Request headers a preflight allows. Default: the headers the preflight asks for. */
  allowedHeaders: Type.Optional(Type.Union([Type.Array(Type.String()), Type.Literal('*')])),
  /** Response headers the page may read (`Access-Control-Expose-Headers`). Default: none. */
  exposedHeaders: Type.Optional(Type.Union([Type.Array(Type.String()), Type.Literal('*')])),
  /** Seconds a browser may cache a preflight answer (`Access-Control-Max-Age`). Default: not sent. */
  maxAge: Type.Optional(Type.Integer({ minimum: 0 })),
  /** Answer `Access-Control-Request-Private-Network: true` preflights. Default `false`. */
  privateNetwork: Type.Optional(Type.Boolean()),
  /** Allow the literal origin `'null'` in an allow-list (sandboxed iframes, `file:` pages: anyone can forge it). Default `false`. */
  allowNullOrigin: Type.Optional(Type.Boolean()),
  /** Milliseconds an async origin function may take before the request is denied CORS. Default 5000. */
  originTimeout: Type.Optional(Type.Integer({ minimum: 1 })),
  /** Status of an approved preflight answer, 200 to 299 (browsers need an ok status). Default 204. */
  optionsSuccessStatus: Type.Optional(Type.Integer({ minimum: 200, maximum: 299 })),
  /** `Cache-Control` of preflight answers: seconds (sent as `max-age=N`) or the header value. Default: not sent. */
  cacheControl: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.String()])),
  /**
   * After setting the preflight headers, pass the preflight on to the hooks and handler (your own
   * OPTIONS route for the path, or an empty 200) instead of answering it. Default `false`.
   */
  preflightContinue: Type.Optional(Type.Boolean()),
  /**
   * Writes a browser sends from another origin without a preflight (a form post, a no-cors fetch,
   * a beacon, a WebSocket handshake), which CORS does not stop: `'refuse'` answers them 403 before
   * body parsing, hooks and handler when the policy's `origin` does not admit the page; `'allow'`
   * lets them through. Default: `'refuse'` with `credentials: true`, `'allow'` without.
   */
  crossOriginWrites: Type.Optional(Type.Union([Type.Literal('refuse'), Type.Literal('allow')]))
}

/**
 * One CORS policy. The global options and every route's `cors` option share this shape;
 * a route's fields replace the global ones, field by field.
 */
export const CorsPolicySchema = Type.Object({
  ...PolicyFields,
  /**
   * A candidate policy, evaluated beside the enforced one and never applied: the fields it names
   * replace the enforced policy's, and every request on which its verdict differs is reported
   * (`app.cors.report()`, the `fastify-cors-policy:report-only` channel, an info log line). A
   * route's `reportOnly` is merged field by field over the registration's.
   */
  reportOnly: Type.Optional(Type.Object(PolicyFields, { additionalProperties: false }))
}, { additionalProperties: false })

/** Options of a registration that are not part of a policy (routes cannot set them). */
export const RegistrationSchema = Type.Object({
  /** Answer preflights at all. `false`: OPTIONS requests go to your routes; responses still get CORS headers. Default `true`. */
  preflight: Type.Optional(Type.Boolean()),
  /** Show the plugin's OPTIONS routes in generated schemas (`@fastify/swagger`). Default `true` (hidden). */
  hideOptionsRoute: Type.Optional(Type.Boolean()),
  /** Log level of the plugin's OPTIONS routes, e.g. `'silent'` to keep preflights out of request logs. */
  logLevel: Type.Optional(Type.String()),
  /**
   * `true`: an OPTIONS request to a path with routes but without `Origin` or
   * `Access-Control-Request-Method` gets `400 Invalid Preflight Request`. Default `false`: it goes
   * to your routes (or 404), since it is not a preflight.
   */
  strictPreflight: Type.Optional(Type.Boolean()),
  /**
   * Count the policies' refusals in `app.cors.report()`. Default: on when a policy of the
   * registration has a `reportOnly` candidate (a change is being rehearsed), off otherwise, so a
   * refused request costs nothing more than before. The channels' events need no counting.
   */
  report: Type.Optional(Type.Boolean()),
  /**
   * Accepted from @fastify/cors for compatibility, with no effect: headers are always set in
   * onSend (every response, errors and 404s included) and preflights answered in onRequest.
   */
  hook: Type.Optional(Type.Union([
    Type.Literal('onRequest'), Type.Literal('preParsing'), Type.Literal('preValidation'),
    Type.Literal('preHandler'), Type.Literal('preSerialization')
  ]))
}, { additionalProperties: false })

/** The options given to `fastify.register()`: the global policy of the scope, and registration options. */
export const CorsOptionsSchema = Type.Object({ ...CorsPolicySchema.properties, ...RegistrationSchema.properties }, { additionalProperties: false })

/** A route's `cors` option: a policy merged over the global one, or `false` to turn CORS off. */
export const RouteCorsSchema = Type.Union([CorsPolicySchema, Type.Literal(false)])

export type CorsPolicy = Static<typeof CorsPolicySchema>
export type CorsOptions = Static<typeof CorsOptionsSchema>
export type RegistrationOptions = Static<typeof RegistrationSchema>
export type RouteCors = Static<typeof RouteCorsSchema>
