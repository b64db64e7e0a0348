// One instance of examples/multi-tenant.mjs in its own process, for test/postgres/. It listens on
// a free port and answers the parent's questions over IPC: its query count, its listener's state,
// the unhandled rejections it saw, and its heap after a full GC.
import { build } from '../../examples/multi-tenant.mjs'

const unhandled = []
process.on('unhandledRejection', (reason) => { unhandled.push(String(reason)) })

const { app, stats, changes } = await build({
  database: JSON.parse(process.env.DATABASE),
  lookupOptions: JSON.parse(process.env.LOOKUP_OPTIONS ?? '{}'),
  adminToken: 'test-token'
})
await app.listen({ port: 0, host: '127.0.0.1' })

process.on('message', async (message) => {
  if (message === 'close') {
    await app.close()
    process.exit(0)
  }
  if (message === 'report') {
    globalThis.gc()
    process.send({
      queries: stats.queries,
      connected: changes.state.connected,
      subscriptions: changes.state.subscriptions,
      notifications: changes.state.notifications,
      unhandled,
      heap: process.memoryUsage().heapUsed
    })
  }
})
process.send({ port: app.server.address().port })
