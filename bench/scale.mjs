// Startup time and memory: `node --expose-gc bench/scale.mjs <kind> <scenario>` prints JSON.
import { performance } from 'node:perf_hooks'
import { build } from './apps.mjs'

const [kind, scenario] = process.argv.slice(2)
global.gc()
const before = process.memoryUsage()
const t0 = performance.now()
const app = await build(kind, scenario)
const ms = performance.now() - t0
global.gc()
const after = process.memoryUsage()
process.stdout.write(JSON.stringify({ ms, rss: after.rss - before.rss, heap: after.heapUsed - before.heapUsed }) + '\n')
await app.close()
