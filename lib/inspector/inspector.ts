// lib/inspector: the development page that lists every route's policy and explains a request.
import type { FastifyPluginAsync, FastifySchema } from 'fastify'
import createError from '@fastify/error'
import type { CorsTools, ExplainInput } from '../explain/explain.js'
import { page } from './inspector-page.js'
import { asPlugin, checkFastify } from '../shared/plugin.js'

export interface InspectorOptions {
  /** Where the page is served. Default `/_cors`. */
  prefix?: string
  /**
   * The inspector shows every route's policy and runs requests through `explain()`: it is for
   * development. It refuses to register when `NODE_ENV` is `production` unless this is `true`.
   */
  allowInProduction?: boolean
}

/** The inspector was registered with NODE_ENV=production. */
export const FST_CORS_INSPECTOR_IN_PRODUCTION = createError<[]>(
  'FST_CORS_INSPECTOR_IN_PRODUCTION',
  'fastify-cors-policy/inspector: not registered, because NODE_ENV is production: it lists every ' +
  'route\'s CORS policy to anyone who can reach it. Register it in development only, or pass ' +
  '{ allowInProduction: true } behind your own access control.'
)

/** The inspector's own routes: hidden from schemas, and not governed by any CORS policy. */
// (`hide` is @fastify/swagger's schema field.)
const HIDDEN = { hide: true } as FastifySchema
const ROUTE = { schema: HIDDEN, cors: false as const }

const inspectorPlugin: FastifyPluginAsync<InspectorOptions> = async function inspector (fastify, options) {
  checkFastify(fastify, 'fastify-cors-policy/inspector')
  if (process.env.NODE_ENV === 'production' && options.allowInProduction !== true) throw new FST_CORS_INSPECTOR_IN_PRODUCTION()
  // Fastify has refused (the plugin's `dependencies`) to register unless fastify-cors-policy is here.
  const tools = (fastify as unknown as { cors: CorsTools }).cors
  const base = (options.prefix ?? '/_cors').replace(/\/+$/, '')
  const html = page(base)
  fastify.get(`${base}/`, ROUTE, async (_request, reply) => reply.type('text/html; charset=utf-8').send(html))
  // printPolicies() without the inspector's own routes: a block is a route line and its indented lines.
  fastify.get(`${base}/policies`, ROUTE, async (_request, reply) => {
    const blocks = tools.printPolicies().split(/\n(?=\S)/)
    return reply.type('text/plain; charset=utf-8').send(blocks.filter((b) => !b.split(' ')[1].startsWith(base + '/')).join('\n'))
  })
  // The report (refusals and report-only differences) without the inspector's own routes.
  fastify.get(`${base}/report`, ROUTE, async () => tools.report().filter((row) => !row.route.url.startsWith(base + '/')))
  fastify.post<{ Body: ExplainInput }>(`${base}/explain`, {
    ...ROUTE,
    schema: {
      ...HIDDEN,
      body: {
        type: 'object',
        required: ['method', 'url', 'origin'],
        additionalProperties: false,
        properties: {
          method: { type: 'string', minLength: 1, maxLength: 32 },
          url: { type: 'string', minLength: 1, maxLength: 2048 },
          origin: { type: 'string', minLength: 1, maxLength: 1024 },
          headers: { type: 'object', additionalProperties: { type: 'string' } },
          credentials: { type: 'boolean' },
          kind: { type: 'string', enum: ['fetch', 'form', 'no-cors', 'beacon', 'websocket'] }
        }
      }
    }
  }, async (request) => tools.explain(request.body))
}

/**
 * A development page for the app it is registered in: every route with its effective policy, and
 * a form that shows what a browser would do with a request, from `explain()`.
 * `app.register(inspector, { prefix: '/_cors' })`, after fastify-cors-policy.
 */
export const inspector = asPlugin(inspectorPlugin, { name: 'fastify-cors-policy-inspector', dependencies: ['fastify-cors-policy'] })
export default inspector
