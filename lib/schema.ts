import { Kind, Type, TypeRegistry, type Static, type TUnsafe } from '@sinclair/typebox'
import type { FastifyRequest } from 'fastify'

// TypeBox has no built-in "instance of RegExp" kind; register one so RegExp origins validate.
const REGEXP_KIND = 'FastifyCorsPolicyRegExp'
if (!TypeRegistry.Has(REGEXP_KIND)) {
  TypeRegistry.Set(REGEXP_KIND, (_schema, value) => value instanceof RegExp)
}

/** Decides whether a request's `Origin` may read the response. May be async. */
export type OriginFunction = (origin: string | undefined, request: FastifyRequest) => boolean | Promise<boolean>

const RegExpInstance: TUnsafe<RegExp> = Type.Unsafe<RegExp>({ [Kind]: REGEXP_KIND, description: 'a RegExp' })

const OriginFunctionSchema: TUnsafe<OriginFunction> = Type.Unsafe<OriginFunction>(
  Type.Function(
    [Type.Union([Type.String(), Type.Undefined()]), Type.Any()],
    Type.Union([Type.Boolean(), Type.Promise(Type.Boolean())])
  )
)

export const OriginSchema = Type.Union([
  Type.Literal('*'),
  Type.String(),
  RegExpInstance,
  Type.Array(Type.Union([Type.String(), RegExpInstance])),
  OriginFunctionSchema
])

/**
 * One CORS policy. The global options and every route's `cors` option share this shape;
 * a route's fields replace the global ones, field by field.
 */
export const CorsPolicySchema = Type.Object({
  /** Which origins may read responses: `'*'`, one origin, a RegExp, a list of those, or a function. Default `'*'`. */
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
  originTimeout: Type.Optional(Type.Integer({ minimum: 1 }))
}, { additionalProperties: false })

/** The options given to `fastify.register()`: the global policy of the scope. */
export const CorsOptionsSchema = CorsPolicySchema

/** A route's `cors` option: a policy merged over the global one, or `false` to turn CORS off. */
export const RouteCorsSchema = Type.Union([CorsPolicySchema, Type.Literal(false)])

export type CorsPolicy = Static<typeof CorsPolicySchema>
export type CorsOptions = Static<typeof CorsOptionsSchema>
export type RouteCors = Static<typeof RouteCorsSchema>
export type OriginOption = Static<typeof OriginSchema>

/** The policy fields, in the order they are checked and reported. */
export const POLICY_FIELDS = Object.keys(CorsPolicySchema.properties) as Array<keyof CorsPolicy>

/** What each field accepts, for error messages. */
export const FIELD_EXPECTS: Record<keyof CorsPolicy, string> = {
  origin: "'*', an origin string, a RegExp, an array of origin strings and RegExps, or a function",
  credentials: 'a boolean',
  methods: "an array of method names or 'auto'",
  allowedHeaders: "an array of header names or '*'",
  exposedHeaders: "an array of header names or '*'",
  maxAge: 'a whole number of seconds, 0 or more',
  privateNetwork: 'a boolean',
  allowNullOrigin: 'a boolean',
  originTimeout: 'a whole number of milliseconds, 1 or more'
}
