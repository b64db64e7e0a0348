// A first-party app: the SPA on https://app.example.com calls the API with cookies.
import Fastify from 'fastify'
import cors from 'fastify-cors-policy'

export async function build ({ appOrigin = 'https://app.example.com' } = {}) {
  const app = Fastify()
  await app.register(cors, { origin: [appOrigin], credentials: true, allowedHeaders: ['content-type', 'x-csrf-token'], maxAge: 600 })
  // An auth hook added after the plugin: preflights never reach it; its 401s stay readable.
  app.addHook('onRequest', async (request, reply) => {
    if (request.url !== '/session' && !/(^|; )sid=/.test(request.headers.cookie ?? '')) return reply.code(401).send({ error: 'log in' })
  })
  app.post('/session', async (request, reply) => {
    reply.header('set-cookie', 'sid=abc; Path=/; HttpOnly; Secure; SameSite=None')
    return { ok: true }
  })
  app.get('/me', async () => ({ user: 'ada' }))
  app.put('/me/settings', async (request) => ({ saved: request.body }))
  return app
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const app = await build({ appOrigin: process.env.APP_ORIGIN })
  await app.listen({ port: Number(process.env.PORT ?? 3000) })
  console.log(`first-party API on ${app.listeningOrigin}`)
}
