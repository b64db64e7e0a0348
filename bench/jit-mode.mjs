// node bench/jit-mode.mjs [kind] [workload] [processes]: which JIT state each of `processes` fresh
// server processes settles in (bench/README.md, "Node 20's nextTick slow state"). `workload` is a regex
// matched against the names in workloads.mjs (default: the first match of "200 route policies").
// Each process is loaded for 1.5 s, then measured for 1 s under `perf record`; the script prints
// its CPU µs per request and the share of its CPU samples in V8's runtime property definition:
// about 0% in the fast state, 5 to 7% in the slow one (nextTick's inline caches megamorphic).
// The servers keep their tick anchor (bench/anchor.mjs) unless BENCH_RAW=1, so
// `BENCH_RAW=1 node bench/jit-mode.mjs policy 200 5` shows the state and the same without
// BENCH_RAW shows it gone.
// Needs Linux `perf` (Debian: linux-perf) and permission to profile (perf_event_paranoid <= 1, or root).
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cpu, load, startServer, stopServer } from './servers.mjs'
import { WORKLOADS } from './workloads.mjs'

const [kind = 'policy', pattern = '200 route policies', count = '6'] = process.argv.slice(2)
const RUNTIME = /DefineKeyedOwnPropertyInLiteral|MigrateToMap|TransitionToDataProperty|IsMatchingMap|AddDataProperty|UpdateDescriptorForValue/
const workload = WORKLOADS.find((w) => new RegExp(pattern).test(w.name))
if (workload === undefined) {
  console.error(`jit-mode: no workload matches /${pattern}/; workloads: ${WORKLOADS.map((w) => w.name).join('; ')}`)
  process.exit(1)
}
if (spawnSync('perf', ['--version']).status !== 0) {
  console.error('jit-mode: needs Linux perf (apt-get install linux-perf)')
  process.exit(1)
}
const dir = mkdtempSync(join(tmpdir(), 'jit-mode-'))
console.log(`${kind}, "${workload.name}", ${process.env.BENCH_RAW === '1' ? 'BENCH_RAW=1: no tick anchor' : 'tick anchor on'}`)
let slow = 0
try {
  for (let i = 0; i < Number(count); i++) {
    const server = await startServer(kind, workload.scenario)
    await load(server, workload.request, 1.5)
    const data = join(dir, `${i}.data`)
    const perf = spawn('perf', ['record', '-F', '999', '-p', String(server.child.pid), '-o', data], { stdio: 'ignore' })
    await new Promise((resolve) => setTimeout(resolve, 200))
    const before = await cpu(server)
    const result = await load(server, workload.request, 1)
    const after = await cpu(server)
    perf.kill('SIGINT')
    await new Promise((resolve) => perf.once('exit', resolve))
    const report = spawnSync('perf', ['report', '-i', data, '--no-children', '--sort', 'sym', '--stdio'], { encoding: 'utf8' }).stdout
    let share = 0
    for (const line of report.split('\n')) if (RUNTIME.test(line)) share += parseFloat(line)
    if (share > 1) slow++
    const us = (after - before) / result.requests.total
    console.log(`process ${i + 1}: ${us.toFixed(2)} µs/request (under perf), ${share.toFixed(1)}% in V8 runtime property definition: ${share > 1 ? 'slow' : 'fast'} state`)
    await stopServer(server)
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
console.log(`${slow} of ${count} slow`)
