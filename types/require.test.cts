// A CommonJS TypeScript consumer: resolved through the "require" condition.
import Fastify = require('fastify')
import cors from 'fastify-cors-policy'

const app = Fastify()
app.register(cors, { origin: 'https://a.com' })
app.get('/x', { cors: { maxAge: 5 } }, async () => 'ok')
// @ts-expect-error typos are caught for require() users too
app.get('/y', { cors: { orgin: '*' } }, async () => 'ok')
