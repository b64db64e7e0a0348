// A serverless-style deployment: a small app bundled with esbuild, as ES module and CommonJS. The
// libraries the plugin loads only when a registration needs them (tldts for patterns, lru-cache
// for originLookup(), find-my-way) are reached through dynamic imports, which the bundler must
// see and bundle; the bundle must then run. The RegExp analysis (redos-detector) is plain
// JavaScript too: it is bundled like the others, and runs where no node_modules can be found.
import { test } from 'tap'
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { buildSync } from 'esbuild'

const root = resolve(import.meta.dirname, '../..')

const APP = `import Fastify from 'fastify'
import cors, { originLookup } from 'fastify-cors-policy'

const refused = async (options) => {
  const app = Fastify()
  try { await app.register(cors, options); await app.ready(); return 'registered' } catch (err) { return err.code }
}
async function main () {
const app = Fastify()
await app.register(cors, { origin: ['https://*.example.com', /^https:\\/\\/([a-z0-9-]+\\.)+example\\.org$/] })
app.get('/x', async () => 'x')
app.get('/t', { cors: { origin: originLookup(async (origin) => origin === 'https://tenant.test') } }, async () => 't')
await app.ready()
const acao = async (url, origin) => (await app.inject({ url, headers: { origin } })).headers['access-control-allow-origin'] ?? 'none'
console.log([
  await acao('/x', 'https://a.example.com'),
  await acao('/x', 'https://a.b.example.org'),
  await acao('/t', 'https://tenant.test'),
  await refused({ origin: 'https://*.github.io', credentials: true }),
  await refused({ origin: /^https:\\/\\/([a-z]+)*\\.x\\.com$/ })
].join(' '))
}
main()
`

// Run where no node_modules can be found: the published ES module entry asks require() for
// find-my-way first (scripts/build.mjs); there it must fall back to the bundled copy. Its RegExp
// is analysed by the bundled analyser.
const ALONE = `import Fastify from 'fastify'
import cors from 'fastify-cors-policy'
const app = Fastify()
await app.register(cors, { origin: ['https://*.example.com', /^https:\\/\\/([a-z0-9-]+\\.)+example\\.org$/] })
app.put('/items/:id(^\\\\d+$)', async () => 'x')
await app.ready()
const res = await app.inject({ method: 'OPTIONS', url: '/items/7', headers: { origin: 'https://a.example.com', 'access-control-request-method': 'PUT' } })
console.log(res.statusCode, res.headers['access-control-allow-methods'])
`

const EXPECTED = 'https://a.example.com https://a.b.example.org https://tenant.test FST_CORS_UNSAFE_POLICY FST_CORS_UNSAFE_POLICY'

function bundleOptions (format: 'esm' | 'cjs'): Parameters<typeof buildSync>[0] {
  return {
    bundle: true,
    platform: 'node',
    format,
    target: 'node20',
    logLevel: 'silent',
    // Fastify is CommonJS: an ES module bundle gives its require() calls a require, as esbuild's docs advise.
    ...(format === 'esm' ? { banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" } } : {})
  }
}

for (const format of ['esm', 'cjs'] as const) {
  test(`an app bundled by esbuild (${format}) takes the lazily loaded libraries along and runs`, async (t) => {
    // Inside the repository, so the app imports this package by its name (package self-reference)
    // under node_modules/, so nothing else picks it up.
    const dir = join(root, 'node_modules', '.cache', `bundle-test-${format}-${process.pid}`)
    mkdirSync(dir, { recursive: true })
    t.teardown(() => rmSync(dir, { recursive: true, force: true }))
    writeFileSync(join(dir, 'app.mjs'), APP)
    const outfile = join(dir, format === 'esm' ? 'bundle.mjs' : 'bundle.cjs')
    const result = buildSync({ ...bundleOptions(format), entryPoints: [join(dir, 'app.mjs')], outfile, metafile: true })
    const inputs = Object.keys(result.metafile.inputs)
    for (const lib of ['tldts', 'lru-cache', 'redos-detector', 'find-my-way', '@fastify/error', 'dist/']) { // dist/: the plugin itself
      t.ok(inputs.some((f) => f.includes(lib)), `${lib} is in the bundle`)
    }
    // Bundlers take the "module" entry, whose imports they can follow; Node's own entry is not bundled.
    t.ok(inputs.some((f) => f.endsWith(`dist/${format}/index.js`)), `esbuild takes dist/${format}/index.js`)
    t.notOk(inputs.some((f) => f.endsWith('dist/cjs/main.js')), "Node's entry (dist/cjs/main.js) is not what bundlers take")
    const out = execFileSync(process.execPath, [outfile], { cwd: dir, encoding: 'utf8' }).trim()
    t.equal(out, EXPECTED, 'patterns (tldts), a lookup (lru-cache) and the RegExp analysis (redos-detector) work from the bundle')

    writeFileSync(join(dir, 'alone-src.mjs'), format === 'esm' ? ALONE : `(async () => {\n${ALONE.replace(/^import (\w+) from '([^']+)'$/gm, "const { default: $1 } = await import('$2')")}})()`)
    buildSync({ ...bundleOptions(format), entryPoints: [join(dir, 'alone-src.mjs')], outfile: join(dir, `alone.${format === 'esm' ? 'mjs' : 'cjs'}`) })
    const away = mkdtempSync(join(tmpdir(), 'cors-bundle-'))
    t.teardown(() => rmSync(away, { recursive: true, force: true }))
    copyFileSync(join(dir, `alone.${format === 'esm' ? 'mjs' : 'cjs'}`), join(away, `alone.${format === 'esm' ? 'mjs' : 'cjs'}`))
    const alone = execFileSync(process.execPath, [join(away, `alone.${format === 'esm' ? 'mjs' : 'cjs'}`)], { cwd: away, encoding: 'utf8' }).trim()
    t.equal(alone, '204 PUT', 'far from any node_modules, a RegExp route path (find-my-way) answers its preflight from the bundled copy')
  })
}
