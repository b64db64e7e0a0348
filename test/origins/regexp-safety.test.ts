import { test } from 'tap'
import { Worker } from 'node:worker_threads'
import Fastify from 'fastify'
import cors from '../../lib/index.js'
import { Problems } from '../../lib/shared/problems.js'
import { checkBacktracking, duration, measureAttack, patternFor, unnamed } from '../../lib/origins/regexp-safety.js'
import { build, ok, refusal } from '../helpers.js'

// Safe: each repeated part ends in a character it cannot match, or nothing is repeated, so a
// failing match is linear. [RegExp, an origin it matches, an origin it refuses]
const safe: Array<[RegExp, string, string]> = [
  [/^https:\/\/([a-z0-9-]+\.)+example\.com$/, 'https://a.b.example.com', 'https://example.com'],
  [/^https:\/\/([a-z0-9-]+\.)*example\.com$/, 'https://example.com', 'https://a.example.org'],
  [/^https:\/\/([a-z0-9-]+\.)?example\.org$/, 'https://www.example.org', 'https://a.b.example.org'],
  [/^http:\/\/(localhost|127\.0\.0\.1)(:\d+)?$/, 'http://127.0.0.1:5173', 'http://localhost.evil.com'],
  [/^http:\/\/localhost(:[0-9]{1,5})?$/, 'http://localhost:3000', 'http://localhost:123456'],
  [/^https:\/\/[a-z0-9]+(-[a-z0-9]+)*\.example\.com$/, 'https://my-app-1.example.com', 'https://-a.example.com'],
  [/^https:\/\/(app|admin)\.example\.com$/, 'https://admin.example.com', 'https://api.example.com'],
  [/^https?:\/\/([a-z0-9-]+\.)*example\.com(:\d+)?$/, 'http://a.example.com:8080', 'ftp://a.example.com'],
  [/^https:\/\/(www\.)?example\.com$/, 'https://example.com', 'https://wwwexample.com'],
  [/^https:\/\/[\w-]+\.vercel\.app$/, 'https://my_app-x.vercel.app', 'https://a.b.vercel.app'],
  [/^https:\/\/deploy-preview-\d+--mysite\.netlify\.app$/, 'https://deploy-preview-12--mysite.netlify.app', 'https://deploy-preview---mysite.netlify.app'],
  [/^https?:\/\/(.+\.)?example\.com$/, 'https://a.b.example.com', 'https://aexample.com'],
  [/^https:\/\/([a-z0-9]+[.-])*example\.com$/, 'https://a-b.example.com', 'https://a_b.example.com'],
  [/^https:\/\/(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+example\.com$/, 'https://a-1.example.com', 'https://a-.example.com'],
  [/^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/, 'http://[::1]:8080', 'http://[::2]:8080'],
  [/^https:\/\/[a-z0-9-]+(\.[a-z0-9-]+)*\.example\.com$/, 'https://a.b.example.com', 'https://.example.com'],
  [/^https:\/\/(?:[a-z0-9-]+\.)+example\.com(?::\d+)?$/, 'https://a.example.com:8443', 'https://a.example.com:'],
  [/^https:\/\/([a-z0-9-]+\.)*(example|example-staging)\.(com|io)$/, 'https://x.example-staging.io', 'https://x.example.net'],
  [/^https:\/\/(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(example|example-eu|example-us)\.(com|org|net)(:\d{2,5})?$/, 'https://a.example-eu.org:8443', 'https://a.example-fr.org'],
  [/^https:\/\/.*\.example\.com$/, 'https://a.b.example.com', 'https://example.com'],
  [/^https:\/\/(?!evil)[a-z]+\.example\.com$/, 'https://app.example.com', 'https://evilapp.example.com'],
  [/^https?:\/\/(www\.)?(example|test)\.(com|org)$/i, 'https://www.test.org', 'https://www.test.net']
]

// Vulnerable, each with the kind of growth the refusal must name.
const vulnerable: Array<[RegExp, RegExp]> = [
  [/^https:\/\/(a|a)*\.x\.com$/, /exponentially/],
  [/^https:\/\/([a-z]|[a-z0-9])+\.example\.com$/, /exponentially/],
  [/^https:\/\/([a-z0-9]+-?)*\.example\.com$/, /exponentially/],
  [/^https:\/\/([a-z0-9-]+)+\.example\.com$/, /exponentially/],
  [/^https:\/\/(\w+\.?)+example\.com$/, /exponentially/],
  [/^https:\/\/([a-z0-9-]+\.?)+\.example\.com$/, /exponentially/],
  [/^https:\/\/(.*\.)*example\.com$/, /exponentially/],
  [/^https:\/\/([a-z]+)*\.x\.com$/, /exponentially/],
  [/^https:\/\/(\w|\d)+\.example\.com$/, /exponentially/],
  [/^https?:\/\/(([a-z0-9]+)\.?)+\.example\.com(:\d+)?$/, /exponentially/],
  // The degree is timed, so a busy machine may read one more or less: it is asserted within that.
  [/^https:\/\/[a-z]*[a-z]*[a-z]*\.example\.com$/, /polynomial time \(about degree [2-4], as measured here\)/],
  [/^https:\/\/[a-z0-9-]*[a-z0-9-]*[a-z0-9-]*[a-z0-9-]*\.example\.com$/, /polynomial time \(about degree [3-5], as measured here\)/]
]

// Quadratic: a failing match tries every split of the run between the two stars. The analyser
// refuses any input read in unboundedly many ways; the refusal says what it costs (about 1 ms at
// the 1,024 characters the shape guard lets through) and what to write instead.
const quadratic = /^https:\/\/[a-z0-9-]*\.?[a-z0-9-]*\.example\.com$/

/**
 * Runs `re.test(input)` in a worker and resolves with the milliseconds it took, or with `limit`
 * when it had not finished by then (the worker is then terminated): a backtracking RegExp cannot
 * be interrupted any other way.
 */
async function timeInWorker (re: RegExp, input: string, limit: number): Promise<number> {
  const worker = new Worker(`
    const { parentPort, workerData } = require('node:worker_threads')
    const re = new RegExp(workerData.source, workerData.flags)
    parentPort.postMessage('started')
    const started = process.hrtime.bigint()
    re.test(workerData.input)
    parentPort.postMessage(Number(process.hrtime.bigint() - started) / 1e6)`,
  { eval: true, workerData: { source: re.source, flags: re.flags, input } })
  return await new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined
    worker.on('error', reject)
    worker.on('message', (message: unknown) => {
      if (message === 'started') {
        timer = setTimeout(() => { worker.terminate().catch(() => {}); resolve(limit) }, limit)
      } else {
        clearTimeout(timer)
        worker.terminate().catch(() => {})
        resolve(message as number)
      }
    })
  })
}

/** The attack Origin a refusal shows, as a literal ('https://aaah') or an expression ('https://' + 'a'.repeat(9) + 'h'), with its pump repeated `more` extra times. */
function attackFrom (message: string, more: number): string {
  const shown = /the Origin ((?:'[^']*'(?:\.repeat\(\d+\))?(?: \+ )?)+) \(/.exec(message)
  if (shown === null) throw new Error(`no attack in: ${message}`)
  const parts = [...shown[1].matchAll(/'([^']*)'(?:\.repeat\((\d+)\))?/g)]
  if (parts.length === 1) {
    // A literal: repeat its most frequent character in the middle.
    const text = parts[0][1]
    const pump = text[text.length - 2]
    return text.slice(0, -1) + pump.repeat(more) + text.slice(-1)
  }
  return parts.map(([, text, times]) => times === undefined ? text : text.repeat(Number(times) * (1 + more))).join('')
}

test('common anchored origin RegExps register and match as written (no false refusal)', async (t) => {
  for (const [re, allowed, refused] of safe) {
    const app = await build({ origin: re }, (app) => app.get('/x', ok))
    const acao = async (origin: string) => (await app.inject({ url: '/x', headers: { origin } })).headers['access-control-allow-origin']
    t.equal(await acao(allowed), allowed, `${re} allows ${allowed}`)
    t.equal(await acao(refused), undefined, `${re} refuses ${refused}`)
  }
})

test('safe RegExps stay fast on the longest origin-shaped input the guard lets through (worker, 2 s limit)', async (t) => {
  const inputs = ['https://' + 'a-'.repeat(500) + '.', 'https://' + 'a.'.repeat(500) + 'x', 'http://' + '1'.repeat(1000) + ':']
  for (const [re] of safe) {
    for (const input of inputs) {
      const ms = await timeInWorker(re, input, 2000)
      t.ok(ms < 2000, `${re} on ${input.length} characters: ${ms.toFixed(2)} ms`)
    }
  }
})

test('RegExps that backtrack exponentially or with degree 3+ are refused, with an attack that is slow for real (worker)', async (t) => {
  for (const [re, kind] of vulnerable) {
    const err = await refusal({ origin: re })
    t.equal(err.code, 'FST_CORS_UNSAFE_POLICY', String(re))
    t.match(err.message, kind, `${re}: ${err.message.slice(0, 300)}`)
    t.match(err.message, /took \d+ ms to test here/)
    // The shown attack took at least 10 ms; a little longer must take far more.
    const attack = attackFrom(err.message, kind.source.includes('exponentially') ? 8 : 2)
    const ms = await timeInWorker(re, attack, 300)
    t.ok(ms >= 100, `${re}: the attack grown a little (${attack.length} characters) took ${ms.toFixed(0)} ms (limit 300)`)
  }
})

test('a quadratic RegExp is refused too, with what it costs at the longest Origin', async (t) => {
  const err = await refusal({ origin: quadratic })
  t.equal(err.code, 'FST_CORS_UNSAFE_POLICY')
  t.match(err.message, /polynomial time \(about degree [23], as measured here\)/)
  t.match(err.message, /at 1,024 characters: about \d+ ms/)
  t.match(err.message, /write the origin pattern 'https:\/\/\*\.example\.com' instead/)
})

test('a refusal names the origin pattern to write instead, when the RegExp has that shape', async (t) => {
  const one = await refusal({ origin: /^https:\/\/([a-z0-9-]+)+\.example\.com$/ })
  t.match(one.message, /write the origin pattern 'https:\/\/\*\.example\.com' instead/)
  const both = await refusal({ origin: [/^https?:\/\/([a-z]+)*\.api\.example\.com$/] })
  t.match(both.message, /write the origin pattern 'http:\/\/\*\.api\.example\.com', 'https:\/\/\*\.api\.example\.com' instead/)
  const none = await refusal({ origin: /^https:\/\/(.*\.)*example\.com$/ })
  t.match(none.message, /repeat only parts that cannot overlap/)
  t.equal(patternFor(/^https:\/\/(app|admin)\.example\.com$/), null, 'nothing repeated: no pattern')
})

test('route RegExps are analysed at ready; every bad one of the registration is reported at once', async (t) => {
  const app = Fastify()
  await app.register(cors, { origin: 'https://a.com' })
  app.get('/a', { cors: { origin: /^https:\/\/(a|a)*\.x\.com$/ } }, ok)
  app.get('/b', { cors: { origin: [/^https:\/\/([a-z]+\.)+x\.com$/, /^https:\/\/[a-z]*[a-z]*[a-z]*\.x\.com$/] } }, ok)
  app.get('/c', { cors: { origin: /^https:\/\/([a-z]+\.)+x\.com$/ } }, ok)
  const err = await app.ready().then(() => null, (e: Error & { code?: string }) => e)
  t.equal(err?.code, 'FST_CORS_UNSAFE_POLICY')
  t.match(err?.message, /registration at \/: 2 problems:\n {2}- route GET \/a: origin \/\^https:.*exponentially.*\n {2}- route GET \/b: origin .*polynomial time/)
})

test('a registration reports its other problems together with a bad RegExp', async (t) => {
  const err = await refusal({ orgin: '*', origin: [/^https:\/\/(a|a)*\.x\.com$/, 'app.example.com'] })
  t.match(err.message, /3 problems:/)
  t.match(err.message, /unknown field 'orgin'/)
  t.match(err.message, /origin 'app\.example\.com' is not an origin/)
  t.match(err.message, /can backtrack exponentially/)
})

test('an analysis that runs out of time or cannot run refuses the RegExp, saying why', async (t) => {
  const slow = new Problems('registration at /')
  await checkBacktracking([{ re: /^https:\/\/(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(example|example-eu|example-us)\.(com|org|net)(:\d{2,5})?$/, problems: slow }], 100)
  t.throws(() => slow.throwIfAny(), /could not be proven free of catastrophic backtracking: the analysis did not finish within 100 steps; repeat only parts/)
  const unsupported = new Problems('registration at /')
  await checkBacktracking([{ re: /^https:\/\/[\p{L}--[a]]+\.x\.com$/v, problems: unsupported }])
  t.throws(() => unsupported.throwIfAny(), /could not be proven free of catastrophic backtracking: the analysis failed \(Unsupported flag: v\); write the origin pattern 'https:\/\/\*\.x\.com' instead/)
  // Stopped by its step limit, the analysis still hands over the trails it found: slow for real, they are shown.
  const stopped = new Problems('registration at /')
  await checkBacktracking([{ re: /^https:\/\/(a|a)*\.x\.com$/, problems: stopped }])
  t.throws(() => stopped.throwIfAny(), /did not finish within 20,000 steps; its trails give an attack: it can backtrack exponentially.*the Origin 'https:\/\/a+' \(\d+ characters\) took \d+ ms/)
})

test('durations in refusals read as a person would say them', async (t) => {
  t.equal(duration(12.4), '12 ms')
  t.equal(duration(16_000), '16 s')
  t.equal(duration(600_000), '10 min')
  t.equal(duration(36_000_000), '10 h')
})

test('an attack that stays cheap up to the longest Origin is measured at that length, not beyond', async (t) => {
  const attack = { prefix: 'https://', pump: 'a', suffix: '!' }
  const { input, repeat } = measureAttack(/^https:\/\/a*a*b$/, attack, 1e9, 100)
  t.equal(input.length, 8 + repeat + 1)
  t.ok(input.length <= 100 && input.length > 100 - Math.max(1, repeat >> 3) - 1, `grown by an eighth while it fits (${input.length} characters)`)
})

test('an attack whose next step would take far past the budget is not run (a long pump on an exponential RegExp)', async (t) => {
  // Each 'aaaaaaaa' multiplies the time by 256: the second step is predicted, not run.
  const started = Date.now()
  const { repeat } = measureAttack(/^https:\/\/(a|a)*\.x\.com$/, { prefix: 'https://', pump: 'aaaaaaaa', suffix: '' }, 10)
  t.ok(repeat <= 3, `stopped at ${repeat} repetitions`)
  t.ok(Date.now() - started < 20_000, 'returned')
})

test('a RegExp with a back-reference and no quantifier is analysed too, and registers when safe', async (t) => {
  const app = await build({ origin: /^https:\/\/(a|b)\1\.x\.com$/ }, (app) => app.get('/x', ok))
  const acao = async (origin: string) => (await app.inject({ url: '/x', headers: { origin } })).headers['access-control-allow-origin']
  t.equal(await acao('https://aa.x.com'), 'https://aa.x.com')
  t.equal(await acao('https://ab.x.com'), undefined)
})

test('named groups are analysed as the numbered groups they are (the analyser reads only those)', async (t) => {
  t.equal(unnamed(String.raw`^https:\/\/(?<x>a)(?:b)(c)(?<y>d)\k<y>\k<x>\(?<z>[(?<q>\]\k<x>]\k<w>$`),
    String.raw`^https:\/\/(a)(?:b)(c)(d)\3\1\(?<z>[(?<q>\]\k<x>]\k<w>$`, 'escaped and in-class look-alikes, and unknown names, stay as written')
  t.equal(unnamed(String.raw`^https:\/\/(a)(?=b)$`), String.raw`^https:\/\/(a)(?=b)$`, 'nothing named: unchanged')
  const app = await build({ origin: /^https:\/\/(?<name>[a-z0-9-]+)\.example\.com$/ }, (app) => app.get('/x', ok))
  t.equal((await app.inject({ url: '/x', headers: { origin: 'https://app.example.com' } })).headers['access-control-allow-origin'], 'https://app.example.com')
  const err = await refusal({ origin: /^https:\/\/(?<n>[a-z]+)*\.example\.com$/ })
  t.match(err.message, /can backtrack exponentially/)
})

test('a back-reference in a repeated alternation is refused, in unicode mode too', async (t) => {
  const err = await refusal({ origin: /^https:\/\/(a)(\1|a)*\.x\.com$/u })
  t.match(err.message, /could not be proven free of catastrophic backtracking/)
})

test('an analysis stopped by its time limit refuses the RegExp, saying so', async (t) => {
  const slow = new Problems('registration at /')
  await checkBacktracking([{ re: /^https:\/\/(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(example|example-eu)\.(com|org)$/, problems: slow }], 20_000, 1)
  t.throws(() => slow.throwIfAny(), /the analysis did not finish within 1 ms; repeat only parts/)
})

test('an attack outside the shape browsers send is shown with that caveat; without any attack, the analysis alone is cited', async (t) => {
  const upper = await refusal({ origin: /^https:\/\/([A-Z]+)+\.x\.com$/ })
  t.match(upper.message, /this one is not origin-shaped, so the shape guard stops it, but others are/)
  // No trail is spelled in the characters tried (ASCII): no attack to time, the refusal still stands.
  const accented = await refusal({ origin: /^https:\/\/(é+)+\.x\.com$/ })
  t.match(accented.message, /is refused: it can read one input in unboundedly many ways/)
  const first = measureAttack(/^https:\/\/a*a*b$/, { prefix: 'https://', pump: 'a', suffix: '!' }, 0)
  t.equal(first.repeat, 1, 'enough at once: one measurement')
  t.equal(first.before, first.ms, 'and no time one pump fewer')
})
