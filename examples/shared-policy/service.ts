// One service using the shared policies: global first-party, one public route, one partner route.
import Fastify from 'fastify'
import cors from 'fastify-cors-policy'
import { firstParty, partners, publicRead } from './policies.js'

export async function build (env: NodeJS.ProcessEnv = process.env) {
  const app = Fastify()
  await app.register(cors, firstParty)
  app.get('/status', { cors: publicRead }, async () => ({ up: true }))
  app.get('/orders', async () => [{ id: 1 }])
  app.post('/partner/webhook-test', { cors: partners(env) }, async () => ({ received: true }))
  return app
}
