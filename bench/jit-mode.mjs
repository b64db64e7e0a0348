// node bench/jit-mode.mjs [kind] [scenario] [processes]: how often a server process settles in
// the slow JIT state described in the README (Performance, "Reading the numbers"). Starts fresh
// server processes one after another, loads each (1.5 s warm-up, then 1 s measured under
// `perf record`), and prints its CPU µs per request and the share of its CPU samples spent in V8's
// runtime property definition, which is about 0% in the fast state and 5 to 7% in the slow one.
// Needs Linux `perf` (Debian: linux-perf) and permission to profile (perf_event_paranoid <= 1, or root).
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'
import { cpu, startServer, stopServer } from './servers.mjs'

const [kind = 'policy', scenario = 'many', count = '6'] = process.argv.slice(2)
const RUNTIME = /DefineKeyedOwnPropertyInLiteral|MigrateToMap|TransitionToDataProperty|IsMatchingMap|AddDataProperty|UpdateDescriptorForValue/
const paths = { many: ['/r150', 'https://o150.example.com'], basic: ['/items', 'https://app.example.com'] }
const [path, origin] = paths[scenario] ?? ['/r5', 'https://app.example.com']

if (spawnSync('perf', ['--version']).status !== 0) {
  console.error('jit-mode: needs Linux perf (apt-get install linux-perf)')
  process.exit(1)
}
const dir = mkdtempSync(join(tmpdir(), 'jit-mode-'))
console.log(`${kind} on ${scenario}: GET ${path}, Origin ${origin}`)
try {
  for (let i = 0; i < Number(count); i++) {
    const server = await startServer(kind, scenario)
    const load = (seconds) => autocannon({ url: `http://127.0.0.1:${server.port}`, connections: 10, duration: seconds, requests: [{ method: 'GET', path, headers: { origin } }] })
    await load(1.5)
    const data = join(dir, `${i}.data`)
    const perf = spawn('perf', ['record', '-F', '999', '-p', String(server.child.pid), '-o', data], { stdio: 'ignore' })
    await new Promise((resolve) => setTimeout(resolve, 200))
    const before = await cpu(server)
    const result = await load(1)
    const after = await cpu(server)
    perf.kill('SIGINT')
    await new Promise((resolve) => perf.once('exit', resolve))
    const report = spawnSync('perf', ['report', '-i', data, '--no-children', '--sort', 'sym', '--stdio'], { encoding: 'utf8' }).stdout
    let share = 0
    for (const line of report.split('\n')) if (RUNTIME.test(line)) share += parseFloat(line)
    const us = (after - before) / result.requests.total
    console.log(`process ${i + 1}: ${us.toFixed(2)} µs/request (under perf), ${share.toFixed(1)}% in V8 runtime property definition: ${share > 1 ? 'slow' : 'fast'} state`)
    await stopServer(server)
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
