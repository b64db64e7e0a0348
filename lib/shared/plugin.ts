import type { FastifyInstance } from 'fastify'
import { FST_CORS_FASTIFY_VERSION } from './errors.js'

/**
 * What fastify-plugin sets on a plugin (no encapsulation, its name, its metadata), without
 * loading fastify-plugin: importing it cost the entry about 1 ms, and its `fastify: '5.x'` made
 * Fastify load semver and parse that range at the first registration, about 1.4 ms more
 * (bench/README.md, cold start). checkFastify() checks the major version instead.
 */
export function asPlugin<F extends object> (fn: F, meta: { name: string, dependencies?: string[] }): F & { default: F } {
  return Object.assign(fn, {
    [Symbol.for('skip-override')]: true,
    [Symbol.for('fastify.display-name')]: meta.name,
    [Symbol.for('plugin-meta')]: meta,
    // As fastify-plugin: `require()` users reach the plugin as `.default` too.
    default: fn
  })
}

/** Refuses a Fastify other than 5.x, as fastify-plugin's `fastify: '5.x'` did. */
export function checkFastify (fastify: FastifyInstance, name: string): void {
  if (!fastify.version.startsWith('5.')) throw new FST_CORS_FASTIFY_VERSION(name, fastify.version)
}
