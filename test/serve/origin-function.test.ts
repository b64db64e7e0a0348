import { test } from 'tap'
import { build, corsHeaders, logCapture, ok, preflight } from '../helpers.js'

const A = 'https://a.com'

/** Unhandled rejections seen while `run` runs (they end a Node process by default). */
async function unhandled (run: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = []
  const onRejection = (reason: unknown): void => { seen.push(reason) }
  process.on('unhandledRejection', onRejection)
  try {
    await run()
    // Give a late rejection a chance to surface.
    await new Promise((resolve) => setTimeout(resolve, 20))
  } finally {
    process.off('unhandledRejection', onRejection)
  }
  return seen
}

// Each answer an origin function may give that is not a decision: all end in "CORS denied".
const answers: Array<[string, () => unknown, RegExp]> = [
  ['a thenable whose then throws', () => ({ then () { throw new Error('then exploded') } }), /then exploded/],
  ['a thenable whose then getter throws', () => ({ get then () { throw new Error('getter exploded') } }), /getter exploded/],
  ['a thenable that never calls back', () => ({ then () {} }), /did not settle within 50 ms/],
  ['a thenable that rejects with nothing', () => ({ then (_ok: unknown, fail: (e?: unknown) => void) { fail() } }), /origin function rejected/],
  // eslint-disable-next-line no-throw-literal
  ['a thenable whose then throws nothing', () => ({ then () { throw undefined } }), /then\(\) threw/],
  ['a sync throw', () => { throw new Error('sync boom') }, /sync boom/],
  ['a number', () => 42, /answered number; answer true or false/],
  ['null', () => null, /answered null/],
  ['an object', () => ({ allowed: true }), /answered object/],
  ['a promise of a number', async () => 7, /answered number/],
  ['a promise of a thenable', async () => await Promise.resolve({ value: { then: 1 } }), /answered object/]
]

for (const [name, fn, message] of answers) {
  test(`an origin function answering ${name}: CORS denied on actual requests and preflights, one log line, no unhandled rejection`, async (t) => {
    const log = logCapture()
    const app = await build({ origin: fn as never, originTimeout: 50 }, (app) => { app.get('/x', ok); app.put('/x', ok) },
      { logger: { level: 'error', stream: log.stream } })
    const seen = await unhandled(async () => {
      for (let i = 0; i < 3; i++) {
        const actual = await app.inject({ url: '/x', headers: { origin: A } })
        t.equal(actual.statusCode, 200, 'the actual request is served')
        t.same(corsHeaders(actual.headers), [], 'without CORS headers')
        const pre = await preflight(app, '/x', A, 'PUT')
        t.equal(pre.statusCode, 204, 'the preflight is answered')
        t.same(corsHeaders(pre.headers), [], 'as refused')
      }
    })
    t.same(seen, [], 'no unhandled rejection')
    t.equal(log.lines.length, 1, 'six failures, one log line (rate-limited)')
    t.match(log.lines[0], { level: 50, msg: /origin function failed; CORS denied/, err: { message } })
  })
}

test('explain() reports an origin function failure as a refusal, not an error', async (t) => {
  const app = await build({ origin: (() => ({ then () { throw new Error('x') } })) as never }, (app) => app.get('/x', ok),
    { logger: { level: 'silent' } })
  const e = await app.cors.explain({ method: 'GET', url: '/x', origin: A })
  t.equal(e.allowed, false)
})
