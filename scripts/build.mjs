// Builds dist/esm (for bundlers) and dist/cjs (for Node: require() and import) from lib/ with
// tsc, then makes the plugin's entry cheap to load: dist/esm/index.js and dist/cjs/index.js
// become one bundled file each (esbuild; packages stay external, and so do the dynamic imports of
// the libraries only some registrations need). Each of the ~20 modules of lib/ cost a file read
// and a link when loaded one by one (bench/README.md, cold start).
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { buildSync } from 'esbuild'
import { compileEagerly, STARTUP } from './eager.mjs'

const require = createRequire(import.meta.url)
const tsc = require.resolve('typescript/bin/tsc')
rmSync('dist', { recursive: true, force: true })
for (const project of ['tsconfig.esm.json', 'tsconfig.cjs.json']) {
  execFileSync(process.execPath, [tsc, '-p', project], { stdio: 'inherit' })
}
writeFileSync('dist/cjs/package.json', '{ "type": "commonjs" }\n')

// Each public entry, one file per format, from lib/ (tsc's .d.ts files stay the types; an entry
// whose source sits in a stage folder gets a .d.ts at the top that re-exports it).
const ENTRIES = { index: 'lib/index.ts', inspector: 'lib/inspector/inspector.ts', schema: 'lib/config/schema.ts', cli: 'lib/browser/cli.ts' }
for (const [name, source] of Object.entries(ENTRIES)) {
  for (const format of ['esm', 'cjs']) {
    buildSync({
      // In CommonJS, the dynamic imports of libraries some registrations need become require():
      // Node's import() of a CommonJS package (find-my-way, which Fastify has already required)
      // would scan its source for export names, milliseconds at each first registration.
      ...(format === 'cjs' ? { supported: { 'dynamic-import': false } } : {}),
      entryPoints: [source],
      outfile: `dist/${format}/${name}.js`,
      bundle: true,
      platform: 'node',
      format,
      target: 'node20',
      packages: 'external',
      sourcemap: true,
      logLevel: 'warning'
    })
    const declared = source.replace(/^lib\//, '').replace(/\.ts$/, '')
    if (declared !== name) {
      const defaults = readFileSync(`dist/${format}/${declared}.d.ts`, 'utf8').includes('export default') ? `export { default } from './${declared}.js'\n` : ''
      writeFileSync(`dist/${format}/${name}.d.ts`, `export * from './${declared}.js'\n${defaults}`)
    }
  }
}

// As every @fastify plugin: require() returns the plugin itself, with the named exports on it
// (lib/shared/plugin.ts sets `.default`, as fastify-plugin would), so
// `app.register(require('fastify-cors-policy'))` works; likewise for the inspector.
for (const entry of ['dist/cjs/index.js', 'dist/cjs/inspector.js']) {
  writeFileSync(entry, readFileSync(entry, 'utf8').replace('//# sourceMappingURL=',
    'module.exports = Object.assign(module.exports.default, module.exports);\n//# sourceMappingURL='))
}

// The startup functions of Node's build are compiled as it loads, not cold at the first
// registration (scripts/eager.mjs).
writeFileSync('dist/cjs/index.js', compileEagerly(readFileSync('dist/cjs/index.js', 'utf8'), STARTUP))

// Node's entry for `import` (dist/cjs/main.js): a few lines that require the CommonJS bundle and
// name its exports where Node's import looks for them. An ES module costs Node an asynchronous
// read and a module job (bench/README.md, cold start); a CommonJS file imported from an ES module
// is scanned for its export names by cjs-module-lexer, which takes milliseconds over the 100 KB
// bundle and microseconds over these lines. import and require() then share one copy of the
// plugin. Its types stay the ES declarations (dist/esm/index.d.ts): Node gives an importer
// module.exports as `default`, which is the plugin, and each named export, which is what they
// declare (so `attw` is told not to flag the pair as "masquerading as ESM"). Bundlers keep the ES
// build (dist/esm/index.js, the `module` condition), whose dynamic imports they can follow.
const bundle = readFileSync('dist/cjs/index.js', 'utf8')
const annotated = /^0 && \(module\.exports = \{\n([^}]*)\}\);$/m.exec(bundle)
if (annotated === null) throw new Error("dist/cjs/index.js: esbuild's export annotation was not found; update scripts/build.mjs")
const names = annotated[1].split(',').map((n) => n.trim()).filter((n) => n !== '')
writeFileSync('dist/cjs/main.js', `'use strict'
// Node's entry for import: see scripts/build.mjs.
// Not \`module.exports = require(…)\`: the lexer would follow that into the bundle.
const plugin = require('./index.js')
module.exports = plugin
0 && (module.exports = { ${names.join(', ')} })
`)

// tsc's one-file-per-module JavaScript is not run by anyone: each entry is a bundle. Only the
// declarations are kept beside the bundles (every user installs what is published: 1.5 MB less).
const kept = new Set(['index', 'main', ...Object.keys(ENTRIES)].flatMap((name) => [`${name}.js`, `${name}.js.map`]))
for (const format of ['esm', 'cjs']) {
  for (const file of readdirSync(`dist/${format}`, { recursive: true })) {
    if (/\.js(\.map)?$/.test(file) && !kept.has(file)) rmSync(`dist/${format}/${file}`)
  }
}
