// Startup time and memory: `node --expose-gc bench/scale.mjs <kind> <routes>` prints JSON.
import { performance } from 'node:perf_hooks'
import { build } from './apps.mjs'

const [kind, n] = process.argv.slice(2)
global.gc()
const rss0 = process.memoryUsage().rss
const t0 = performance.now()
const app = await build(kind, `scale:${n}`)
const ms = performance.now() - t0
global.gc()
process.stdout.write(JSON.stringify({ ms, rss: process.memoryUsage().rss - rss0 }) + '\n')
await app.close()
