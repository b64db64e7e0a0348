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

// Node's own entry for `import` (dist/esm/index.node.js; bundlers take dist/esm/index.js through
// the "module" condition). An ES module that imports a CommonJS package or a node: builtin pays
// for it: Node scans the package's source for its exports, or builds a facade of every export of
// the builtin (bench/README.md, cold start). So Node's entry takes its CommonJS packages through a
// require() made once for the file, and find-my-way, which Fastify has already loaded, from
// require()'s cache instead of import()'s wrapper. Each replacement keeps its line, so the
// source map stays right.
const esm = 'dist/esm/index.js'
let node = readFileSync(esm, 'utf8')
const replace = (from, to) => {
  if (!node.includes(from)) throw new Error(`${esm}: ${JSON.stringify(from)} was not found; update scripts/build.mjs`)
  node = node.replace(from, to)
}
replace('import createError from "@fastify/error";', 'const createError = requireHere("@fastify/error");')
replace('(await import("find-my-way")).default', '(requireLoaded("find-my-way") ?? (await import("find-my-way")).default)')
const imports = [...node.matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1])
if (imports.length > 0) throw new Error(`${esm}: static imports left in Node's entry (${imports.join(', ')}); load them in scripts/build.mjs`)
replace('//# sourceMappingURL=', `function requireLoaded(name) {
  try {
    return requireHere(name);
  } catch {
    return void 0;
  }
}
//# sourceMappingURL=`)
// The one added line, at the top (the source map below skips it): this file's require(), from
// process.getBuiltinModule (Node 20.16 and later) or, on older versions, an import of node:module.
node = 'const requireHere = (process.getBuiltinModule?.("module") ?? await import("node:module")).createRequire(import.meta.url);\n' + node
writeFileSync('dist/esm/index.node.js', node.replace('//# sourceMappingURL=index.js.map', '//# sourceMappingURL=index.node.js.map'))
writeFileSync('dist/esm/index.node.js.map', readFileSync('dist/esm/index.js.map', 'utf8').replace('"mappings":"', '"mappings":";'))
