import type { FastifyRequest } from 'fastify'
import type { OriginSet } from './origin-set.js'

// The types of an `origin` value. They live with the origins, the lowest stage that uses them; the
// TypeBox schema (schema.ts) is declared against them.

/**
 * Decides whether a request's `Origin` may read the response. May be async. Called only for
 * requests that carry an `Origin`. (From JavaScript, the @fastify/cors callback form
 * `(origin, callback)` also works: see the README.)
 */
export type OriginFunction = (origin: string, request: FastifyRequest) => boolean | Promise<boolean>

/**
 * An origin as browsers send it in `Origin`: scheme://host[:port], e.g. 'https://app.example.com'
 * (or 'null', with allowNullOrigin). A string without '://' is a compile error; the rest of the
 * form is checked at registration.
 */
export type OriginString = `${string}://${string}` | 'null'

/** Which origins may read responses: every form `origin` takes. */
export type OriginOption = '*' | boolean | OriginString | RegExp | OriginSet | Array<OriginString | RegExp | OriginSet> | OriginFunction
