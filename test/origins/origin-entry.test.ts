// Allow-list entries are checked at registration. Most are origins exactly as a browser sends
// them, which plainlySerialised() tells without parsing a URL: it must never accept a string
// that the URL parser would read differently, or that the full check would refuse.
import { test } from 'tap'
import fc from 'fast-check'
import { checkOriginEntry, plainlySerialised } from '../../lib/origins/origin-entry.js'
import { Problems } from '../../lib/shared/problems.js'

// Mostly well-formed pieces, so a good share is taken without a parse; the rest probe the edges.
const pick = (good: string[], bad: string[]): fc.Arbitrary<string> =>
  fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...good) }, { weight: 1, arbitrary: fc.constantFrom(...bad) })
const scheme = pick(['http://', 'https://'], ['HTTP://', 'ws://', 'ftp://', 'http:/', 'file://'])
const label = pick(['a', 'example', 'b0', 'my-app', '-a', 'a-', '1a', 'localhost', '1', '255', '09'],
  ['xn--p1ai', 'xn--a', '0x1f', '0x', '0xg', 'A', 'é', '%41', '', ' ', '_'])
const port = pick(['', '', ':1', ':8080', ':65535', ':80', ':443'], [':', ':0', ':08080', ':65536', ':99999', ':1a', ':-1'])
const tail = pick([''], ['/', '/x', '?q', '#h', '.', '@h'])
const entry = fc.tuple(scheme, fc.array(label, { minLength: 1, maxLength: 4 }), port, tail)
  .map(([s, labels, p, t]) => s + labels.join('.') + p + t)

function refusals (value: string): string[] {
  const problems = new Problems('test')
  checkOriginEntry(value, problems)
  try {
    problems.throwIfAny()
    return []
  } catch (err) {
    return [(err as Error).message]
  }
}

test('an entry taken without a URL parse is one the URL parser reads as itself', async (t) => {
  let plain = 0
  let total = 0
  fc.assert(fc.property(entry, (value) => {
    total++
    if (!plainlySerialised(value)) return
    plain++
    const url = new URL(value)
    if (url.origin !== value) throw new Error(`${value} parses to ${url.origin}`)
    if (url.port === '0' || url.hostname.startsWith('.') || url.hostname.includes('..')) throw new Error(`${value}: ${url.hostname}:${url.port}`)
  }), { numRuns: 5000 })
  t.ok(plain > total / 10, `${plain} of ${total} entries were taken without a parse`)
})

test('plainly serialised origins are taken; the rest go to the URL parse and keep its verdict', async (t) => {
  for (const ok of ['https://app.example.com', 'http://localhost:3000', 'https://a-b.c0.io:8443', 'http://x.1a']) {
    t.ok(plainlySerialised(ok), ok)
    t.same(refusals(ok), [], ok)
  }
  // Canonical, but not told without a parse: IPv4, IDNA, other schemes.
  for (const parsed of ['http://127.0.0.1:8080', 'https://xn--p1ai.xn--d1acj3b', 'wss://socket.example.com']) {
    t.notOk(plainlySerialised(parsed), parsed)
    t.same(refusals(parsed), [], parsed)
  }
  const refused: Record<string, RegExp> = {
    'https://App.example.com': /use 'https:\/\/app\.example\.com'/,
    'https://example.com:443': /use 'https:\/\/example\.com'/,
    'http://example.com:080': /use 'http:\/\/example\.com:80'|use 'http:\/\/example\.com'/,
    'https://example.com/': /use 'https:\/\/example\.com'/,
    'http://0x7f.1': /use 'http:\/\/127\.0\.0\.1'/,
    'https://a..com': /empty host label/,
    'https://a.com:0': /port 0/,
    'https://a.com:99999': /is not an origin/
  }
  for (const [value, message] of Object.entries(refused)) {
    t.notOk(plainlySerialised(value), value)
    t.match(refusals(value).join(), message, value)
  }
})
