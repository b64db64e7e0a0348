// What importing and registering the plugin loads: the libraries behind patterns (tldts), lookups
// (lru-cache), RegExp analysis (recheck) and the TypeBox schemas load only when an app uses them.
// Each case runs in a fresh process on the built package.
import { test } from 'tap'
import { execFileSync } from 'node:child_process'
import { resolve } from 'node:path'

const root = resolve(import.meta.dirname, '../..')
const OPTIONAL = ['tldts', 'lru-cache', 'recheck', '@sinclair/typebox', 'vary']

/** The optional libraries loaded by a process that registers the plugin with `options` (JavaScript source) and serves one request. */
function loadedWith (options: string): string[] {
  // CommonJS, so every library loaded (the dynamic imports become require() in this build) is in require.cache.
  const code = `
const Fastify = require('fastify')
const cors = require('fastify-cors-policy')
const { originLookup } = cors
async function main () {
  const app = Fastify()
  await app.register(cors, ${options})
  for (let i = 0; i < 10; i++) app.get('/r' + i, async () => 'ok')
  await app.ready()
  await app.inject({ url: '/r0', headers: { origin: 'https://a.com' } })
  const files = Object.keys(require.cache)
  console.log(JSON.stringify(${JSON.stringify(OPTIONAL)}.filter((name) => files.some((f) => f.includes('/node_modules/' + name + '/')))))
}
main()`
  return JSON.parse(execFileSync(process.execPath, ['--input-type=commonjs', '-e', code], { cwd: root, encoding: 'utf8' }))
}

test('exact origins load none of the optional libraries', async (t) => {
  t.same(loadedWith("{ origin: ['https://a.com', 'https://b.com'], credentials: true }"), [])
  t.same(loadedWith('{}'), [], "origin '*'")
})

test('each feature loads its own library, and only that one', async (t) => {
  t.same(loadedWith("{ origin: 'https://*.example.com' }"), ['tldts'], 'a subdomain pattern: the Public Suffix List')
  t.same(loadedWith("{ origin: 'http://localhost:*' }"), [], 'a port pattern needs no suffix list')
  t.same(loadedWith('{ origin: originLookup(() => true) }'), ['lru-cache'], 'originLookup()')
  t.same(loadedWith('{ origin: /^https:\\/\\/([a-z0-9-]+\\.)+example\\.com$/ }'), ['recheck'], 'a RegExp that repeats something')
  t.same(loadedWith('{ origin: /^https:\\/\\/(app|admin)\\.example\\.com$/ }'), [], 'a RegExp that repeats nothing is not analysed')
})
