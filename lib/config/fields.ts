import { OriginSet } from '../origins/origin-set.js'
import type { CorsOptions, CorsPolicy, RegistrationOptions } from './schema.js'

/**
 * The policy and registration fields, and how each is checked at registration. The TypeBox
 * schemas (schema.ts, the `fastify-cors-policy/schema` sub-path) describe the same shapes for
 * users' tooling; test/fields.test.ts holds the two to agreement. These checks need no TypeBox:
 * importing the plugin must not cost a schema library's load (bench/README.md, cold start).
 */

/** The policy fields, in the order they are checked and reported. */
export const POLICY_FIELDS: Array<keyof CorsPolicy> = [
  'origin', 'credentials', 'methods', 'allowedHeaders', 'exposedHeaders', 'maxAge', 'privateNetwork',
  'allowNullOrigin', 'originTimeout', 'optionsSuccessStatus', 'cacheControl', 'preflightContinue', 'crossOriginWrites', 'reportOnly'
]
export const REGISTRATION_FIELDS: Array<keyof RegistrationOptions> = ['preflight', 'hideOptionsRoute', 'logLevel', 'strictPreflight', 'report', 'hook']
export const HOOKS = ['onRequest', 'preParsing', 'preValidation', 'preHandler', 'preSerialization']

const boolean = (v: unknown): boolean => typeof v === 'boolean'
const integer = (min: number, max = Infinity) => (v: unknown): boolean => Number.isInteger(v) && (v as number) >= min && (v as number) <= max
const strings = (v: unknown): boolean => Array.isArray(v) && v.every((s) => typeof s === 'string')
const originItem = (v: unknown): boolean => typeof v === 'string' || v instanceof RegExp || v instanceof OriginSet

/** Whether a value has the type its field takes (what is in it is checked afterwards). */
export const FIELD_CHECKS: Record<keyof CorsOptions, (value: unknown) => boolean> = {
  origin: (v) => typeof v === 'boolean' || typeof v === 'function' || originItem(v) || (Array.isArray(v) && v.every(originItem)),
  credentials: boolean,
  methods: (v) => v === 'auto' || strings(v),
  allowedHeaders: (v) => v === '*' || strings(v),
  exposedHeaders: (v) => v === '*' || strings(v),
  maxAge: integer(0),
  privateNetwork: boolean,
  allowNullOrigin: boolean,
  originTimeout: integer(1),
  optionsSuccessStatus: integer(200, 299),
  cacheControl: (v) => typeof v === 'string' || integer(0)(v),
  preflightContinue: boolean,
  crossOriginWrites: (v) => v === 'refuse' || v === 'allow',
  reportOnly: (v) => v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof RegExp),
  preflight: boolean,
  hideOptionsRoute: boolean,
  logLevel: (v) => typeof v === 'string',
  strictPreflight: boolean,
  report: boolean,
  hook: (v) => HOOKS.includes(v as string)
}

/** What each field accepts, for error messages. */
export const FIELD_EXPECTS: Record<keyof CorsOptions, string> = {
  origin: "'*', an origin string, a RegExp, an OriginSet, an array of those, a function, true or false",
  credentials: 'a boolean',
  methods: "an array of method names or 'auto'",
  allowedHeaders: "an array of header names or '*'",
  exposedHeaders: "an array of header names or '*'",
  maxAge: 'a whole number of seconds, 0 or more',
  privateNetwork: 'a boolean',
  allowNullOrigin: 'a boolean',
  originTimeout: 'a whole number of milliseconds, 1 or more',
  optionsSuccessStatus: 'a whole number from 200 to 299',
  cacheControl: 'a whole number of seconds or a Cache-Control value',
  preflightContinue: 'a boolean',
  crossOriginWrites: "'refuse' or 'allow'",
  reportOnly: 'an object of policy fields (the candidate policy)',
  preflight: 'a boolean',
  hideOptionsRoute: 'a boolean',
  logLevel: "a log level such as 'silent' or 'debug'",
  strictPreflight: 'a boolean',
  report: 'a boolean',
  hook: `one of ${HOOKS.map((h) => `'${h}'`).join(', ')}`
}
