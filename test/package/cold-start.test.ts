// What importing and registering the plugin loads: the libraries behind patterns (tldts), lookups
// (lru-cache), RegExp analysis (redos-detector) and the TypeBox schemas load only when an app uses them.
// Each case runs in a fresh process on the built package.
import t, { test } from 'tap'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '../..')
const OPTIONAL = ['tldts', 'lru-cache', 'redos-detector', '@sinclair/typebox', 'vary']

// Libraries may load as CommonJS (then they are in require.cache) or as ES modules: a module
// resolve hook records the latter.
const dir = mkdtempSync(join(tmpdir(), 'cold-start-'))
writeFileSync(join(dir, 'hooks.mjs'), `import { appendFileSync } from 'node:fs'
export async function resolve (specifier, context, next) {
  const found = await next(specifier, context)
  appendFileSync(process.env.RESOLVED_LOG, found.url + '\\n')
  return found
}`)
writeFileSync(join(dir, 'register.mjs'), "import { register } from 'node:module'\nregister('./hooks.mjs', import.meta.url)\n")

/** Runs `code` in a fresh process with the resolve hook: what it prints (JSON), and every ES module URL it resolved. */
function runHooked (type: 'commonjs' | 'module', code: string): { out: any, resolved: string[] } {
  const log = join(dir, `resolved-${Math.random()}.log`)
  writeFileSync(log, '')
  const out = JSON.parse(execFileSync(process.execPath, ['--import', join(dir, 'register.mjs'), `--input-type=${type}`, '-e', code],
    { cwd: root, encoding: 'utf8', env: { ...process.env, RESOLVED_LOG: log } }))
  return { out, resolved: readFileSync(log, 'utf8').split('\n').filter((u) => u !== '') }
}

/** The optional libraries loaded by a process that registers the plugin with `options` (JavaScript source) and serves one request. */
function loadedWith (options: string): string[] {
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
  console.log(JSON.stringify(files))
}
main()`
  const { out, resolved } = runHooked('commonjs', code)
  const files = [...(out as string[]), ...resolved]
  return OPTIONAL.filter((name) => files.some((f) => f.includes(`/node_modules/${name}/`)))
}

t.teardown(() => rmSync(dir, { recursive: true, force: true }))

test('exact origins load none of the optional libraries', async (t) => {
  t.same(loadedWith("{ origin: ['https://a.com', 'https://b.com'], credentials: true }"), [])
  t.same(loadedWith('{}'), [], "origin '*'")
})

test('each feature loads its own library, and only that one', async (t) => {
  t.same(loadedWith("{ origin: 'https://*.example.com' }"), ['tldts'], 'a subdomain pattern: the Public Suffix List')
  t.same(loadedWith("{ origin: 'http://localhost:*' }"), [], 'a port pattern needs no suffix list')
  t.same(loadedWith('{ origin: originLookup(() => true) }'), ['lru-cache'], 'originLookup()')
  t.same(loadedWith('{ origin: /^https:\\/\\/([a-z0-9-]+\\.)+example\\.com$/ }'), ['tldts', 'redos-detector'], 'a RegExp that repeats something: the analysis, and the Public Suffix List for the subdomains it admits, as their pattern would')
  t.same(loadedWith('{ origin: /^https:\\/\\/(app|admin)\\.example\\.com$/ }'), [], 'a RegExp that repeats nothing is not analysed')
})

test("Node's import takes the CommonJS build through a small entry: one copy of the plugin, every export named", async (t) => {
  const code = `
import Fastify from 'fastify'
import cors from 'fastify-cors-policy'
import * as named from 'fastify-cors-policy'
import { createRequire } from 'node:module'
const require = createRequire(import.meta.url)
const app = Fastify()
await app.register(cors, { origin: ['https://a.com'] })
app.get('/', async () => 'ok')
const res = await app.inject({ url: '/', headers: { origin: 'https://a.com' } })
const required = require('fastify-cors-policy')
console.log(JSON.stringify({
  entry: import.meta.resolve('fastify-cors-policy'),
  allowed: res.headers['access-control-allow-origin'],
  same: cors === required && cors.default === cors,
  // Node 24 (and later 22s) also name 'module.exports', its own alias of default.
  named: Object.keys(named).filter((k) => k !== 'default' && k !== 'module.exports').sort(),
  requiredNames: Object.keys(required).filter((k) => k !== 'default').sort(),
  sameValues: Object.keys(required).every((k) => named[k] === required[k])
}))`
  // The resolve hook sees every ES module resolution: the entry is the only one of the plugin's.
  const hooked = runHooked('module', code)
  const out = hooked.out
  const resolved = hooked.resolved.filter((u) => !u.includes('/node_modules/fastify/') && !u.startsWith('node:module'))
  t.match(out.entry, /\/dist\/cjs\/main\.js$/)
  t.equal(out.allowed, 'https://a.com')
  t.ok(out.same, 'import and require() give the same plugin, whose default is itself')
  t.ok(out.named.length >= 8, 'the named exports are there')
  t.same(out.named, out.requiredNames, 'import names every export require() has')
  t.ok(out.sameValues, '…and each is the same value')
  t.same([...new Set(resolved.map((u) => u.replace(/^.*\/dist\//, 'dist/')))], ['dist/cjs/main.js'], 'no other ES module resolution (node:crypto waits for explain())')
})
