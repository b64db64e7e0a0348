// npm run bench:instructions: machine instructions per request, counted by valgrind's callgrind.
// Counts do not swing with the machine's load as times do (these machines are shared). Each
// (server, workload) runs in one process under callgrind: WARMUP requests, then batches of N, one
// at a time on one keep-alive connection; callgrind_control dumps the counters after the warm-up
// and after each batch, so a batch's count divided by N is the cost of one warm request, without
// startup or shutdown. The second batch (BENCH_REPEAT more) shows how repeatable that is.
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { WORKLOADS } from './workloads.mjs'

if (spawnSync('valgrind', ['--version']).status !== 0) {
  console.error('bench:instructions needs valgrind (Debian: apt-get install valgrind)')
  process.exit(2)
}
const N = Number(process.env.BENCH_N ?? 1000)
const WARMUP = Number(process.env.BENCH_WARMUP ?? 1000)
const REPEAT = Number(process.env.BENCH_REPEAT ?? 1)
const KINDS = process.env.BENCH_KINDS === undefined ? ['bare', 'floor', 'fastify-cors', 'policy'] : process.env.BENCH_KINDS.split(',')
// V8's --predictable: no concurrent JIT or GC threads and a fixed GC schedule and hash seed, whose
// timing would otherwise change the counts. BENCH_NODE_FLAGS replaces it.
const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '--predictable').split(' ').filter(Boolean)
const server = fileURLToPath(new URL('./server.mjs', import.meta.url))
// The scale workloads start 10,000 routes: minutes under valgrind. BENCH_ONLY picks others.
const only = new RegExp(process.env.BENCH_ONLY ?? '^(?!preflight, 10)')

/**
 * Instructions of one server process for each of REPEAT + 1 batches of N requests after the
 * warm-up: callgrind_control dumps the counters (and zeroes them) between batches.
 */
async function run (kind, workload) {
  const dir = mkdtempSync(join(tmpdir(), 'cors-callgrind-'))
  try {
    const child = spawn('valgrind', ['--tool=callgrind', '--smc-check=all-non-file', `--callgrind-out-file=${join(dir, 'out')}`,
      process.execPath, ...NODE_FLAGS, server, kind, workload.scenario], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] })
    const port = await new Promise((resolve, reject) => {
      child.once('message', (msg) => resolve(msg.port))
      child.once('exit', (code) => reject(new Error(`${kind} exited with ${code}`)))
    })
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
    const batch = async (count) => { for (let i = 0; i < count; i++) await send(port, agent, workload.request) }
    const dump = () => { if (spawnSync('callgrind_control', ['--dump', String(child.pid)]).status !== 0) throw new Error('callgrind_control failed') }
    await batch(WARMUP)
    dump() // startup and warm-up: not counted
    for (let i = 0; i <= REPEAT; i++) {
      await batch(N)
      dump()
    }
    agent.destroy()
    await new Promise((resolve) => { child.once('exit', resolve); child.send('exit') })
    // out.1 is the warm-up; out.2 … are the batches; out is the shutdown.
    return Array.from({ length: REPEAT + 1 }, (_, i) => {
      const text = readFileSync(join(dir, `out.${i + 2}`), 'utf8')
      return Number(/^(?:summary|totals): (\d+)/m.exec(text)[1]) / N
    })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

function send (port, agent, request) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, agent, method: request.method, path: request.path, headers: request.headers }, (res) => {
      res.resume()
      res.on('end', resolve)
    })
    req.on('error', reject)
    req.end()
  })
}

const started = Date.now()
const fmt = (x) => Math.round(x).toLocaleString('en-US')

// Cold start: a whole process each, counted from start to exit. Its own cost is the count minus
// the process that stops after Fastify's import (or after bare Fastify's build and ready).
const plugin = new URL('../dist/cjs/main.js', import.meta.url).href
const APP = (importLine, options) => `import Fastify from 'fastify'
${importLine}
const app = Fastify()
${options === null ? '' : `await app.register(cors, ${options})`}
for (let i = 0; i < 50; i++) { app.get('/r' + i + '/:id', async () => 'ok'); app.post('/r' + i, async () => 'ok') }
await app.ready()`
const COLD = [
  ['import Fastify only', "await import('fastify')"],
  ['import Fastify + this plugin', `await import('fastify'); await import('${plugin}')`],
  ['import Fastify + @fastify/cors', "await import('fastify'); await import('@fastify/cors')"],
  ['bare Fastify, 100 routes, ready', APP('', null)],
  ['this plugin, 2 exact origins, 100 routes, ready', APP(`import cors from '${plugin}'`, "{ origin: ['https://a.example.com', 'https://b.example.com'] }")],
  ['@fastify/cors, 2 exact origins, 100 routes, ready', APP("import cors from '@fastify/cors'", "{ origin: ['https://a.example.com', 'https://b.example.com'] }")],
  ['this plugin, a pattern, 100 routes, ready', APP(`import cors from '${plugin}'`, "{ origin: 'https://*.example.com' }")],
  ['@fastify/cors, the RegExp for it, 100 routes, ready', APP("import cors from '@fastify/cors'", '{ origin: /^https:\\/\\/[a-z0-9-]+\\.example\\.com$/ }')]
]

function coldCount (code) {
  const dir = mkdtempSync(join(tmpdir(), 'cors-cold-'))
  try {
    const out = join(dir, 'out')
    const run = spawnSync('valgrind', ['--tool=callgrind', '--smc-check=all-non-file', `--callgrind-out-file=${out}`,
      process.execPath, ...NODE_FLAGS, '--input-type=module', '-e', code], { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8' })
    if (run.status !== 0) throw new Error(run.stderr)
    return Number(/^(?:summary|totals): (\d+)/m.exec(readFileSync(out, 'utf8'))[1])
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

// Counts move between runs of the same process (by up to 65 million for one row, see
// bench/README.md), so each row runs BENCH_COLD_RUNS times, the rows in turn, and prints its range.
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 3)

if (process.env.BENCH_COLD !== '0') {
  console.log(`node ${process.version}; callgrind; cold start: whole processes, instructions (millions), ${COLD_RUNS} runs each, rows in turn\n`)
  const rounds = []
  for (let r = 0; r < COLD_RUNS; r++) rounds.push([...COLD.map(([, code]) => coldCount(code)), coldCount('')])
  const m = (x) => (x / 1e6).toFixed(1)
  // A row's values over the rounds: one figure when both ends print alike, else 'low to high'.
  const span = (xs, fmt) => { const s = [...xs].sort((a, b) => a - b); return fmt(s[0]) === fmt(s.at(-1)) ? fmt(s[0]) : `${fmt(s[0])} to ${fmt(s.at(-1))}` }
  const range = (xs) => span(xs, m)
  const ratios = (xs) => span(xs, (x) => x.toFixed(3))
  const node = COLD.length
  console.log('| process | instructions | beyond Fastify (same round) | ratio to Fastify\'s own |')
  console.log('| --- | ---: | ---: | ---: |')
  COLD.forEach(([name], i) => {
    const base = name.startsWith('import') ? 0 : 3
    const all = rounds.map((round) => round[i])
    if (i === base) {
      console.log(`| ${name} | ${range(all)} | (Fastify: ${range(rounds.map((round) => round[i] - round[node]))} beyond an empty node) | |`)
      return
    }
    const beyond = rounds.map((round) => round[i] - round[base])
    console.log(`| ${name} | ${range(all)} | ${range(beyond)} | ${ratios(rounds.map((round, r) => beyond[r] / (round[base] - round[node])))} |`)
  })
  // The two plugins, round by round: an order is claimed only if every round agrees.
  for (const [mine, theirs] of [[1, 2], [4, 5], [6, 7]]) {
    const diff = rounds.map((round) => round[mine] - round[theirs])
    const verdict = diff.every((d) => d > 0) ? 'this plugin costs more in every round' : diff.every((d) => d < 0) ? 'this plugin costs less in every round' : 'the order changes between rounds: no order claimed'
    console.log(`\n${COLD[mine][0]} minus ${COLD[theirs][0]}: ${range(diff)} million (${verdict})`)
  }
  console.log('')
}
if (process.env.BENCH_ONLY === 'cold') process.exit(0)

console.log(`node ${process.version}; callgrind; ${WARMUP} warm-up requests, then ${REPEAT + 1} batches of ${N}; instructions per request = a batch's count / ${N}\n`)
console.log('| workload | bare | floor | @fastify/cors | fastify-cors-policy | policy overhead ÷ @fastify/cors overhead | policy overhead ÷ floor overhead |')
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |')
for (const workload of WORKLOADS.filter((w) => only.test(w.name))) {
  const batches = {}
  for (const kind of KINDS) batches[kind] = await run(kind, workload)
  for (let b = 0; b <= REPEAT; b++) {
    const per = Object.fromEntries(KINDS.map((k) => [k, batches[k][b]]))
    const name = `${workload.name}${b > 0 ? ` (batch ${b + 1})` : ''}`
    if (per.bare === undefined) { // BENCH_KINDS without bare: the counts alone
      console.log(`| ${name} | ${KINDS.map((k) => `${k} ${fmt(per[k])}`).join(' | ')} |`)
      continue
    }
    const over = (k) => per[k] - per.bare
    const ratio = (x, y) => (y > 0 ? (x / y).toFixed(2) : 'n/a')
    console.log(`| ${name} | ${fmt(per.bare)} | ${KINDS.slice(1).map((k) => `${fmt(per[k])} (${over(k) >= 0 ? '+' : ''}${fmt(over(k))})`).join(' | ')} | ` +
      `${ratio(over('policy'), over('fastify-cors'))} | ${ratio(over('policy'), over('floor'))} |`)
  }
}
console.log(`\n(total ${Math.round((Date.now() - started) / 1000)}s)`)
