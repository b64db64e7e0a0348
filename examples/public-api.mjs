// A public, read-only API: any page may read it, no credentials, preflights cached for an hour.
import Fastify from 'fastify'
import cors from 'fastify-cors-policy'

export async function build () {
  const app = Fastify()
  await app.register(cors, { origin: '*', methods: ['GET', 'HEAD'], exposedHeaders: ['X-Total-Count'], maxAge: 3600 })
  app.get('/v1/books', async (request, reply) => {
    reply.header('X-Total-Count', '2')
    return [{ id: 1, title: 'Dune' }, { id: 2, title: 'Emma' }]
  })
  app.post('/v1/admin/reindex', { cors: false }, async () => ({ queued: true })) // server-to-server only
  return app
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const app = await build()
  await app.listen({ port: Number(process.env.PORT ?? 3000) })
  console.log(`public API on ${app.listeningOrigin}`)
}
