// @fastify/cors's own test files, run against this plugin's built CommonJS output. They are copied
// from the installed @fastify/cors at test time (never committed), with two edits: `require('../')`
// loads this plugin, and `await` goes before each `fastify.register(cors, …)` (routes must come
// after the plugin here). Exactly the tests in exceptions.ts may fail, and the README lists them.
import { test } from 'tap'
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { EXCEPTIONS } from './exceptions.js'

const root = resolve(import.meta.dirname, '../..')
const plugin = join(root, 'dist/cjs/index.js')
const upstream = dirname(createRequire(import.meta.url).resolve('@fastify/cors/package.json'))
// Inside the repository, so `require('fastify')` resolves to this project's node_modules.
const work = join(root, 'node_modules/.cache/fastify-cors-compat')

function adapt (source: string): string {
  return source
    .replace(/require\('\.\.\/?'\)/g, `require(${JSON.stringify(plugin)})`)
    .replace(/^(\s*)fastify\.register\(cors\b/gm, '$1await fastify.register(cors')
}

/** Top-level test results of a node:test TAP report: name → passed. */
function results (tap: string): Map<string, boolean> {
  const out = new Map<string, boolean>()
  for (const match of tap.matchAll(/^(ok|not ok) \d+ - (.*)$/gm)) out.set(match[2].replace(/ # .*$/, ''), match[1] === 'ok')
  return out
}

/** A failed test's report (its YAML block), from its "not ok" line to the block's end. */
function failureOf (tap: string, name: string): string {
  const start = tap.search(new RegExp(`^not ok \\d+ - ${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?: #.*)?$`, 'm'))
  if (start === -1) return ''
  const end = tap.indexOf('\n  ...', start)
  return tap.slice(start, end === -1 ? undefined : end)
}

test("@fastify/cors's own tests pass, but for the documented exceptions", async (t) => {
  t.ok(existsSync(plugin), 'the build exists (npm run build)')
  mkdirSync(work, { recursive: true })
  const files = ['cors.test.js', 'preflight.test.js']
  for (const file of files) writeFileSync(join(work, file), adapt(readFileSync(join(upstream, 'test', file), 'utf8')))
  const run = await promisify(execFile)(process.execPath, ['--test', '--test-reporter=tap', ...files], { cwd: work, maxBuffer: 16 * 1024 * 1024 })
    .catch((err: { stdout: string }) => ({ stdout: err.stdout }))
  const got = results(run.stdout)
  t.ok(got.size >= 40, `the suite ran (${got.size} tests)`)
  const failed = [...got].filter(([, passed]) => !passed).map(([name]) => name).sort()
  t.same(failed, Object.keys(EXCEPTIONS).sort(), 'exactly the documented exceptions fail')
  t.equal([...got.values()].filter(Boolean).length, got.size - failed.length)
  // Each fails by the documented difference, not by something else inside the same test.
  for (const [name, { differs }] of Object.entries(EXCEPTIONS)) {
    const block = failureOf(run.stdout, name)
    t.match(block, differs, `"${name.trim()}" fails by its documented difference`)
  }

  const readme = readFileSync(join(root, 'README.md'), 'utf8')
  for (const name of Object.keys(EXCEPTIONS)) t.ok(readme.includes(name.trim()), `README lists "${name.trim()}"`)
})
