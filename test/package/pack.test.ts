// The published package, as users get it: `npm pack`, installed into a fresh project, used from
// CommonJS, ESM and TypeScript (node16 and bundler resolution); each answers a preflight.
import { test } from 'tap'
import { execFile, execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { promisify } from 'node:util'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '../..')
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
const run = (cmd: string, args: string[], cwd: string): string =>
  execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_loglevel: 'error' } })

const ROUTE = "app.get('/x', { cors: { origin: ['https://a.com'], maxAge: 60 } }, async () => 'x')"
const READY = `app.ready().then(async () => {
  const res = await app.inject({ method: 'OPTIONS', url: '/x', headers: { origin: 'https://a.com', 'access-control-request-method': 'GET' } })
  console.log(res.statusCode, res.headers['access-control-allow-origin'], res.headers['access-control-max-age'])
})
`

test('npm pack installs clean and works from require, import and TypeScript', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'fastify-cors-policy-pack-'))
  // `npm test` has just built dist/: pack it as it is, unless lib/ changed since (then prepack builds).
  run(npm, ['pack', '--pack-destination', dir, ...(builtFresh() ? ['--ignore-scripts'] : [])], root)
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz')) as string
  const files = run('tar', ['-tzf', join(dir, tarball)], dir).split('\n')
  t.ok(files.includes('package/dist/cjs/index.js') && files.includes('package/dist/esm/index.d.ts'), 'both builds are packed')
  t.notOk(files.some((f) => f.startsWith('package/test/') || f.startsWith('package/bench/')), 'no tests or benchmarks in the package')

  const project = join(dir, 'project')
  run('mkdir', ['-p', project], dir)
  writeFileSync(join(project, 'package.json'), '{ "name": "consumer", "private": true }\n')
  // The versions this repository installed, so npm finds them in its cache (--prefer-offline):
  // the test then costs seconds, not a minute of downloads, and still installs as a user would.
  const version = (name: string): string => (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version
  run(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', join(dir, tarball),
    `fastify@${version('fastify')}`, `typescript@${version('typescript')}`, `@types/node@${version('@types/node')}`], project)

  writeFileSync(join(project, 'cjs.cjs'), `const cors = require('fastify-cors-policy')
const Fastify = require('fastify')
if (cors !== cors.default || cors !== cors.fastifyCorsPolicy) throw new Error('exports differ')
const app = Fastify()
app.register(cors, { origin: ['https://a.com'] }).after(() => { ${ROUTE} })
${READY}`)
  t.equal(run('node', ['cjs.cjs'], project).trim(), '204 https://a.com 60', 'require()')

  writeFileSync(join(project, 'esm.mjs'), `import cors, { fastifyCorsPolicy, definePolicy } from 'fastify-cors-policy'
import Fastify from 'fastify'
if (cors !== fastifyCorsPolicy || typeof definePolicy !== 'function') throw new Error('exports differ')
const app = Fastify()
await app.register(cors, { origin: ['https://a.com'] })
${ROUTE}
${READY}`)
  t.equal(run('node', ['esm.mjs'], project).trim(), '204 https://a.com 60', 'import')

  writeFileSync(join(project, 'inspector.cjs'), `const inspector = require('fastify-cors-policy/inspector')
if (inspector !== inspector.default || inspector !== inspector.inspector) throw new Error('exports differ')
const app = require('fastify')()
app.register(require('fastify-cors-policy')).register(inspector)
app.inject({ url: '/_cors/' }).then((res) => console.log(res.statusCode))
`)
  t.equal(run('node', ['inspector.cjs'], project).trim(), '200', 'require() of the inspector sub-path')
  writeFileSync(join(project, 'inspector.mjs'), `import inspector from 'fastify-cors-policy/inspector'
import cors from 'fastify-cors-policy'
import Fastify from 'fastify'
const app = Fastify()
await app.register(cors)
await app.register(inspector, { prefix: '/dev/cors' })
console.log((await app.inject({ url: '/dev/cors/' })).statusCode)
`)
  t.equal(run('node', ['inspector.mjs'], project).trim(), '200', 'import of the inspector sub-path')

  const source = `import cors, { definePolicy, type CorsPolicy } from 'fastify-cors-policy'
import Fastify from 'fastify'
const shared: CorsPolicy = definePolicy({ origin: ['https://a.com'] })
const app = Fastify()
app.register(cors, shared)
app.get('/ok', { cors: { maxAge: 5 } }, async () => 'x')
// @ts-expect-error typos in a route policy do not compile
app.get('/typo', { cors: { orgin: '*' } }, async () => 'x')
`
  // The command, as `npx fastify-cors-policy check` runs it from the installed package.
  const api = createServer((req, res) => { res.writeHead(200, { 'access-control-allow-origin': 'https://a.com' }); res.end('x') })
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve))
  const target = `http://127.0.0.1:${(api.address() as AddressInfo).port}/x`
  const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx'
  const allowed = await promisify(execFile)(npx, ['--no-install', 'fastify-cors-policy', 'check', target, '--origin', 'https://a.com'], { cwd: project })
  t.match(allowed.stdout, /✔ Allowed: the page may read the response \(HTTP 200\)/, 'npx fastify-cors-policy check: allowed, exit 0')
  const blocked = await promisify(execFile)(npx, ['--no-install', 'fastify-cors-policy', 'check', target, '--origin', 'https://b.com', '--json'], { cwd: project })
    .then(() => ({ code: 0, stdout: '' }), (err: { code: number, stdout: string }) => err)
  t.equal(blocked.code, 1, 'blocked: exit 1')
  t.match(JSON.parse(blocked.stdout), { allowed: false, console: { chromium: /has a value 'https:\/\/a\.com' that is not equal to the supplied origin/, firefox: /does not match ‘https:\/\/a\.com’/, webkit: /^Origin https:\/\/b\.com is not allowed by Access-Control-Allow-Origin/ } })
  api.close()

  // The three compilations run side by side (two cores on CI).
  const checks = ([
    ['node16-esm', { module: 'node16', moduleResolution: 'node16' }, '.mts'],
    ['node16-cjs', { module: 'node16', moduleResolution: 'node16' }, '.cts'],
    ['bundler', { module: 'esnext', moduleResolution: 'bundler' }, '.ts']
  ] as const).map(([name, options, ext]) => {
    writeFileSync(join(project, `${name}${ext}`), source)
    writeFileSync(join(project, `tsconfig.${name}.json`), JSON.stringify({
      compilerOptions: { ...options, strict: true, noEmit: true, esModuleInterop: true, skipLibCheck: false, types: ['node'] },
      files: [`${name}${ext}`]
    }))
    return promisify(execFile)(join(project, 'node_modules/.bin/tsc'), ['-p', `tsconfig.${name}.json`], { cwd: project })
      .then(() => t.pass(`tsc with ${name}`), (err: { stdout: string }) => t.fail(`tsc with ${name}: ${err.stdout}`))
  })
  await Promise.all(checks)
})

/** dist/ is newer than every file of lib/. */
function builtFresh (): boolean {
  const built = join(root, 'dist/cjs/index.js')
  if (!existsSync(built)) return false
  const at = statSync(built).mtimeMs
  return readdirSync(join(root, 'lib')).every((f) => statSync(join(root, 'lib', f)).mtimeMs <= at)
}
