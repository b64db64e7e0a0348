import { test } from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import { findUncovered } from '../../lib/serve/uncovered.js'

const ok = async (): Promise<string> => 'ok'

test('names the routes Fastify prints, method by method, and skips the plugin\'s own', async (t) => {
  const app = Fastify()
  app.get('/a/:id', ok)
  app.post('/a/:id', ok)
  app.route({ method: 'OPTIONS', url: '/*', constraints: { version: '1.0.0' }, handler: ok })
  t.throws(() => findUncovered(app, '', 'version'), { code: 'FST_CORS_ROUTES_BEFORE_PLUGIN', message: /GET \/a\/:id, HEAD \/a\/:id, POST \/a\/:id\./ })
  // Under a prefix, only the routes under it count.
  t.doesNotThrow(() => findUncovered(app, '/b', 'version'))
})

test('an empty router passes; a printout it cannot read makes the check stand down', async (t) => {
  t.doesNotThrow(() => findUncovered(Fastify(), '', 'x'))
  // A future printout format: nothing is refused on a guess.
  const future = { supportedMethods: ['GET'], printRoutes: () => 'GET /a [handler]\n' } as unknown as FastifyInstance
  t.doesNotThrow(() => findUncovered(future, '', 'x'))
})
