// Builds dist/esm (import) and dist/cjs (require) from lib/ with tsc, then makes the plugin's
// entry cheap to load: dist/esm/index.js and dist/cjs/index.js become one bundled file each
// (esbuild; packages stay external, and so do the dynamic imports of the libraries only some
// registrations need). Each of the ~20 modules of lib/ cost a file read and a link when loaded
// one by one (bench/README.md, cold start).
import { execFileSync } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { buildSync } from 'esbuild'

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
// (lib/shared/plugin.ts sets `.default`, as fastify-plugin would), so `app.register(require('fastify-cors-policy'))` works;
// likewise `require('fastify-cors-policy/inspector')`.
for (const entry of ['dist/cjs/index.js', 'dist/cjs/inspector.js']) {
  writeFileSync(entry, readFileSync(entry, 'utf8').replace('//# sourceMappingURL=',
    'module.exports = Object.assign(module.exports.default, module.exports);\n//# sourceMappingURL='))
}

// find-my-way is CommonJS and Fastify has already require()d it. An ES module's import() of it
// pays Node's ES-module wrapping of a CommonJS package (about 146 million instructions at the
// first registration, bench/README.md); require() from the cache costs nothing. So the ES module
// entry asks require() first and keeps the import() as the fallback, which bundlers still see
// (and take: in a bundle without node_modules, require() finds nothing and the bundled copy loads).
const esm = 'dist/esm/index.js'
const dynamic = '(await import("find-my-way")).default'
const source = readFileSync(esm, 'utf8')
if (!source.includes(dynamic)) throw new Error(`${esm}: the find-my-way import() was not found; update scripts/build.mjs`)
writeFileSync(esm, source.replace(dynamic, `(requireLoaded("find-my-way") ?? ${dynamic})`).replace('//# sourceMappingURL=',
  `import { createRequire as createRequireForLoaded } from "node:module";
function requireLoaded(name) {
  try {
    return createRequireForLoaded(import.meta.url)(name);
  } catch {
    return void 0;
  }
}
//# sourceMappingURL=`))
