// npm run bench: CPU per request and req/s for bare Fastify, a floor server, @fastify/cors and
// fastify-cors-policy, interleaved A B C D over several rounds; then startup time and memory.
// Servers are pinned to core 0 and the load (this process) to core 1 with taskset.
import { spawn, spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import os from 'node:os'
import http from 'node:http'
import { CONNECTIONS, cpu, load, pinned, startServer, stopServer } from './servers.mjs'
import { WORKLOADS } from './workloads.mjs'

const here = (f) => fileURLToPath(new URL(f, import.meta.url))
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 1)
const WARMUP = 0.5

const KINDS = process.env.BENCH_KINDS === undefined ? ['bare', 'floor', 'fastify-cors', 'policy'] : process.env.BENCH_KINDS.split(',')

// One request, to show what a server answers on a workload: status and allow-origin.
function probe (server, request) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, method: request.method, path: request.path, headers: request.headers }, (res) => {
      res.resume()
      res.on('end', () => resolve(`${res.statusCode}, ${res.headers['access-control-allow-origin'] === undefined ? 'no allow-origin' : 'allows'}`))
    })
    req.on('error', reject)
    req.end()
  })
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)] }

// Each round starts fresh server processes: the same server measured in two processes differs by
// several percent on this kind of machine (JIT and memory layout; by 20% without the tick anchor,
// anchor.mjs), as much as a plugin's cost, so the median is taken across processes and time.
async function measure (workload) {
  const rounds = Math.min(ROUNDS, workload.maxRounds ?? ROUNDS)
  const samples = Object.fromEntries(KINDS.map((k) => [k, { us: [], rps: [], non2xx: 0, answer: '' }]))
  for (let round = 0; round < rounds; round++) {
    const servers = {}
    try {
      for (const kind of KINDS) servers[kind] = await startServer(kind, workload.scenario)
      if (round === 0) for (const kind of KINDS) samples[kind].answer = await probe(servers[kind], workload.request)
      for (const kind of KINDS) await load(servers[kind], workload.request, WARMUP) // JIT, pools
      for (const kind of KINDS) {
        const before = await cpu(servers[kind])
        const result = await load(servers[kind], workload.request, SECONDS)
        const after = await cpu(servers[kind])
        const done = result.requests.total
        if (result.errors > 0) throw new Error(`${kind}: ${result.errors} errors`)
        samples[kind].non2xx += result.non2xx
        samples[kind].us.push((after - before) / done)
        samples[kind].rps.push(done / ((result.finish - result.start) / 1000))
      }
    } finally {
      await Promise.all(KINDS.map((kind) => stopServer(servers[kind])))
    }
  }
  return Object.fromEntries(KINDS.map((k) => [k, { us: median(samples[k].us), best: Math.min(...samples[k].us), rps: median(samples[k].rps), non2xx: samples[k].non2xx, answer: samples[k].answer }]))
}

function scale (kind, scenario) {
  const runs = []
  for (let i = 0; i < 3; i++) {
    const out = spawnSync(process.execPath, ['--expose-gc', here('./scale.mjs'), kind, scenario], { encoding: 'utf8' })
    if (out.status !== 0) throw new Error(out.stderr)
    runs.push(JSON.parse(out.stdout))
  }
  return { ms: median(runs.map((r) => r.ms)), rss: median(runs.map((r) => r.rss)), heap: median(runs.map((r) => r.heap)) }
}

async function main () {
  const started = Date.now()
  const f = (x, d = 2) => x.toFixed(d)
  console.log(`node ${process.version}, ${os.cpus()[0].model}, ${os.cpus().length} cores; ` +
    `${pinned ? 'servers on core 0, load on core 1 (taskset)' : 'NOT pinned (taskset missing)'}; ` +
    `${ROUNDS} interleaved rounds (fresh server processes each round) of ${SECONDS}s after ${WARMUP}s warm-up, ${CONNECTIONS} connections; medians; ` +
    `${process.env.BENCH_RAW === '1' ? 'BENCH_RAW=1: no tick anchor' : 'tick anchor on (bench/anchor.mjs; BENCH_RAW=1 turns it off)'}\n`)
  console.log('Server CPU µs per request (ratio to bare Fastify); overhead over bare as a ratio of the floor server\'s overhead')
  console.log('| workload | bare | floor | @fastify/cors | fastify-cors-policy | policy overhead ÷ floor overhead | policy overhead ÷ @fastify/cors overhead |')
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |')
  const rpsRows = []
  const answerRows = []
  const bestRows = []
  const only = process.env.BENCH_ONLY === undefined ? null : new RegExp(process.env.BENCH_ONLY)
  for (const workload of WORKLOADS.filter((w) => only === null || only.test(w.name))) {
    const r = await measure(workload)
    const b = r.bare.us
    const cell = (k) => r[k] === undefined ? '–' : `${f(r[k].us)} (${f(r[k].us / b)}x)`
    const over = (k) => r[k] === undefined ? NaN : r[k].us - b
    const ratio = (x, y) => (!(y > 0.05) || Number.isNaN(x) ? 'n/a' : f(x / y))
    console.log(`| ${workload.name} | ${f(b)} | ${cell('floor')} | ${cell('fastify-cors')} | ${cell('policy')} | ${ratio(over('policy'), over('floor'))} | ${ratio(over('policy'), over('fastify-cors'))} |`)
    const ALL = ['bare', 'floor', 'fastify-cors', 'policy']
    bestRows.push(`| ${workload.name} | ${ALL.map((k) => r[k] === undefined ? '–' : `${f(r[k].best)} (${f(r[k].best / r.bare.best)}x)`).join(' | ')} |`)
    answerRows.push(`| ${workload.name} | ${ALL.map((k) => r[k] === undefined ? '–' : r[k].answer).join(' | ')} |`)
    rpsRows.push(`| ${workload.name} | ${ALL.map((k) => r[k] === undefined ? '–' : `${Math.round(r[k].rps)} (${f(r[k].rps / r.bare.rps)}x)`).join(' | ')} |`)
    const non2xx = KINDS.filter((k) => r[k].non2xx > 0).map((k) => `${k}: ${r[k].non2xx} non-2xx`)
    if (non2xx.length > 0) rpsRows.push(`|   (${non2xx.join(', ')}) | | | | |`)
  }
  // Processes of one server still differ by several percent (memory layout, JIT timing); the
  // fastest shows a server's cost with the least of that.
  console.log('\nServer CPU µs per request in the fastest process of each server (ratio to bare Fastify\'s fastest)')
  console.log('| workload | bare | floor | @fastify/cors | fastify-cors-policy |')
  console.log('| --- | ---: | ---: | ---: | ---: |')
  for (const row of bestRows) console.log(row)

  console.log('\nRequests per second (ratio to bare Fastify)')
  console.log('| workload | bare | floor | @fastify/cors | fastify-cors-policy |')
  console.log('| --- | ---: | ---: | ---: | ---: |')
  for (const row of rpsRows) console.log(row)

  console.log('\nWhat each server answered (status, and whether Access-Control-Allow-Origin was sent): the floor sends fixed headers whatever the request')
  console.log('| workload | bare | floor | @fastify/cors | fastify-cors-policy |')
  console.log('| --- | --- | --- | --- | --- |')
  for (const row of answerRows) console.log(row)

  console.log('\nStartup (build + ready) and memory: each path has GET and PUT routes (and HEAD) with their own policy; ' +
    'median of 3 processes; memory after a full GC, per route = per GET/PUT route')
  console.log('| paths | bare ms | policy ms | ratio | RSS beyond bare per route | heap beyond bare per route |')
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |')
  const sizes = process.env.BENCH_SCALE === '0' ? [] : [['10', 'scale:10'], ['1,000', 'scale:1000'], ['10,000', 'scale:10000'], ['10,000 with a parameter', 'pscale:10000']]
  for (const [label, scenario] of sizes) {
    const n = Number(scenario.split(':')[1])
    const bare = scale('bare', scenario)
    const pol = scale('policy', scenario)
    const perRoute = (x) => `${Math.round(x / (2 * n))} B`
    console.log(`| ${label} | ${f(bare.ms, 1)} | ${f(pol.ms, 1)} | ${f(pol.ms / bare.ms)} | ${perRoute(pol.rss - bare.rss)} | ${perRoute(pol.heap - bare.heap)} |`)
  }
  console.log(`\n(total ${Math.round((Date.now() - started) / 1000)}s)`)
}

if (pinned && process.env.BENCH_PINNED !== '1') {
  const child = spawn('taskset', ['-c', '1', process.execPath, ...process.execArgv, here('./run.mjs')],
    { stdio: 'inherit', env: { ...process.env, BENCH_PINNED: '1' } })
  child.on('exit', (code) => process.exit(code ?? 1))
} else {
  await main()
}
