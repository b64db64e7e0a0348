// scripts/eager.mjs: the startup functions of Node's build are compiled as it loads. These tests
// hold its list to what a registration runs (V8's own log of first calls, in fresh processes on
// the built package), and its rewriting to the source it was given.
import t, { test } from 'tap'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
// @ts-expect-error: a build script in JavaScript, without declarations
import { compileEagerly, STARTUP } from '../../scripts/eager.mjs'

const root = resolve(import.meta.dirname, '../..')
const bundlePath = join(root, 'dist/cjs/index.js')
const dir = mkdtempSync(join(tmpdir(), 'eager-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

test('wraps declarations and assigned functions in parentheses, line for line', async (t) => {
  const source = [
    'function a(x) {',
    '  return x;',
    '}',
    'var b = async function b2(y) {',
    '  await y;',
    '};',
    'function c() {',
    '}'
  ].join('\n')
  const out = compileEagerly(source, ['a', 'b'])
  t.equal(out, [
    'var a = (function a(x) {',
    '  return x;',
    '});',
    'var b = (async function b2(y) {',
    '  await y;',
    '});',
    'function c() {',
    '}'
  ].join('\n'))
  // The rewritten functions still work.
  t.equal(new Function(`${out}\nreturn a(3)`)(), 3) // eslint-disable-line no-new-func
})

test('a name that is not in the bundle fails the build, naming it', async (t) => {
  t.throws(() => compileEagerly('function a() {\n}', ['a', 'gone']), { message: /not found in the bundle: gone/ })
})

/** Top-level functions of the bundle, by the name V8 logs (esbuild may rename `var f = function f2`), to the name STARTUP uses. */
function topLevel (bundle: string): Map<string, string> {
  const names = new Map<string, string>()
  for (const line of bundle.split('\n')) {
    const declared = /^var (\w+) = \((?:async )?function (\w+)\(|^(?:async )?function (\w+)\(|^var (\w+) = (?:async )?function (\w+)\(/.exec(line)
    if (declared === null) continue
    if (declared[1] !== undefined) names.set(declared[2], declared[1])
    else if (declared[3] !== undefined) names.set(declared[3], declared[3])
    else names.set(declared[5], declared[4])
  }
  return names
}

/**
 * Names of the bundle's functions first called while `options` registers, with 20 routes, and the
 * app becomes ready; null when this V8 does not log first calls (Node 24's does not).
 */
function ranAtStartup (options: string, routeOptions = '{}'): Set<string> | null {
  const log = join(dir, `v8-${Math.random()}.log`)
  const code = `
const Fastify = require('fastify')
const cors = require('fastify-cors-policy')
async function main () {
  startupBegins()
  const app = Fastify()
  await app.register(cors, ${options})
  for (let i = 0; i < 10; i++) { app.get('/r' + i + '/:id', ${routeOptions}, async () => 'ok'); app.post('/r' + i, async () => 'ok') }
  await app.ready()
  startupDone()
}
function startupBegins () {}
function startupDone () {}
main()`
  execFileSync(process.execPath, ['--log-function-events', `--logfile=${log}`, '--no-logfile-per-isolate', '-e', code], { cwd: root })
  // Lines: script-details,<id>,<url>,… and function,first-execution,<script id>,<start>,<end>,<time>,<timestamp>,<name>
  const lines = readFileSync(log, 'utf8').split('\n').map((l) => l.split(','))
  const ids = new Set(lines.filter((l) => l[0] === 'script-details' && l[2] === bundlePath).map((l) => l[1]))
  const ran = new Set<string>()
  // From the registration on: loading the bundle runs its export getters, named after the exports.
  let started = false
  for (const l of lines) {
    if (l[0] !== 'function' || l[1] !== 'first-execution') continue
    if (l[7] === 'startupBegins') started = true
    if (l[7] === 'startupDone') break
    if (started && ids.has(l[2])) ran.add(l[7])
  }
  return started ? ran : null
}

test('the build wrapped each function of the list', async (t) => {
  const bundle = readFileSync(bundlePath, 'utf8')
  for (const name of STARTUP) t.match(bundle, new RegExp(`^var ${name} = \\((async )?function `, 'm'), name)
})

test('the list is what registrations run: each of its functions, and no other top-level one', async (t) => {
  const names = topLevel(readFileSync(bundlePath, 'utf8'))
  const ran = new Set<string>()
  for (const [options, routeOptions] of [
    ["{ origin: ['https://app.example.com', 'https://admin.example.com'] }", '{}'],
    ["{ origin: '*' }", "{ cors: { origin: 'https://x.example.com', credentials: true } }"],
    ['{ origin: (origin, cb) => cb(null, true) }', '{ cors: false }']
  ]) {
    const found = ranAtStartup(options, routeOptions)
    // The list is the same on every Node version (one bundle); Node 20 and 22 check it.
    if (found === null) return t.skip(`V8 ${process.versions.v8} does not log first calls with --log-function-events`)
    for (const name of found) if (names.has(name)) ran.add(names.get(name) as string)
  }
  const listed = new Set<string>(STARTUP)
  // Run at startup, not compiled ahead (a new startup function, or one renamed): add it to STARTUP.
  t.same([...ran].filter((n) => !listed.has(n)).sort(), [])
  // Compiled ahead, not run at startup (no longer used there): the import pays for it; drop it.
  t.same([...listed].filter((n) => !ran.has(n)).sort(), [])
})
