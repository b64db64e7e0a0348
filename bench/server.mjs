// One benchmark server: `node bench/server.mjs <kind> <scenario>`. Reports its port, and its
// CPU time on request, over the IPC channel.
import './anchor.mjs' // first: before any app code allocates (see anchor.mjs)
import { build } from './apps.mjs'

const [kind, scenario] = process.argv.slice(2)
const app = await build(kind, scenario)
await app.listen({ port: 0, host: '127.0.0.1' })
process.send({ port: app.server.address().port })
process.on('message', (msg) => {
  if (msg === 'cpu') process.send({ cpu: process.cpuUsage() })
  if (msg === 'exit') app.close().then(() => process.exit(0))
})
