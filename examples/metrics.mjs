// Refusals and report-only differences as Prometheus counters, from the plugin's
// node:diagnostics_channel events. Labels are the route pattern and a small fixed set of reasons:
// never the origin, which anyone can choose (an unbounded label set).
import diagnostics from 'node:diagnostics_channel'
import Fastify from 'fastify'
import cors from 'fastify-cors-policy'
import { Counter, Registry } from 'prom-client'

export async function build ({ origins = ['https://app.example.com', 'https://old.example.com'] } = {}) {
  const registry = new Registry()
  const refused = new Counter({ name: 'cors_refused_total', help: 'Requests the CORS policy refused', labelNames: ['reason', 'route'], registers: [registry] })
  const reportOnly = new Counter({
    name: 'cors_report_only_total',
    help: "Requests on which the report-only candidate's verdict differs from the enforced one",
    labelNames: ['reason', 'route', 'outcome'],
    registers: [registry]
  })
  // Subscribers run synchronously on the request path: count, nothing more.
  const onRefused = ({ reason, route }) => refused.inc({ reason, route: `${route.method} ${route.url}` })
  const onReportOnly = ({ reason, route, enforced }) =>
    reportOnly.inc({ reason, route: `${route.method} ${route.url}`, outcome: enforced === 'allowed' ? 'would_refuse' : 'would_allow' })
  diagnostics.subscribe('fastify-cors-policy:refused', onRefused)
  diagnostics.subscribe('fastify-cors-policy:report-only', onReportOnly)

  const app = Fastify()
  app.addHook('onClose', async () => {
    diagnostics.unsubscribe('fastify-cors-policy:refused', onRefused)
    diagnostics.unsubscribe('fastify-cors-policy:report-only', onReportOnly)
  })
  // Rehearsing a change: the old origin is still admitted; the candidate drops it.
  await app.register(cors, { origin: origins, credentials: true, reportOnly: { origin: origins.slice(0, 1) } })
  app.get('/items', async () => [{ id: 7 }])
  app.put('/items/:id', async (request) => ({ updated: request.params.id }))
  // Served to the scraper, not to pages.
  app.get('/metrics', { cors: false }, async (request, reply) => reply.type(registry.contentType).send(await registry.metrics()))
  return app
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const app = await build()
  await app.listen({ port: Number(process.env.PORT ?? 3000) })
  console.log(`API on ${app.listeningOrigin}; metrics on ${app.listeningOrigin}/metrics`)
}
