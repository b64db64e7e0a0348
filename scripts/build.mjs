// Builds dist/esm (import) and dist/cjs (require) from lib/ with tsc.
import { execFileSync } from 'node:child_process'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
rmSync('dist', { recursive: true, force: true })
for (const project of ['tsconfig.esm.json', 'tsconfig.cjs.json']) {
  execFileSync(process.execPath, [tsc, '-p', project], { stdio: 'inherit' })
}
writeFileSync('dist/cjs/package.json', '{ "type": "commonjs" }\n')
// As every @fastify plugin: require() returns the plugin itself, with the named exports on it
// (fastify-plugin already sets `.default`), so `app.register(require('fastify-cors-policy'))` works;
// likewise `require('fastify-cors-policy/inspector')`.
for (const entry of ['dist/cjs/index.js', 'dist/cjs/inspector.js']) {
  writeFileSync(entry, readFileSync(entry, 'utf8').replace('//# sourceMappingURL=',
    'module.exports = Object.assign(exports.default, exports);\n//# sourceMappingURL='))
}
