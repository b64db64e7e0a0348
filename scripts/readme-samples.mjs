// The README's printPolicies() sample, made by the code: the app at the top of the README, its
// printPolicies() for the routes the sample shows. `node scripts/readme-samples.mjs` prints it;
// `--write` puts it in README.md; test/readme.test.ts fails when the two differ.
import { readFileSync, writeFileSync } from 'node:fs'
import Fastify from 'fastify'

const handler = async () => 'ok'

/** printPolicies() of the README's first example, for the routes its sample shows, indented as in the README. */
export async function printPoliciesSample (cors) {
  const app = Fastify()
  await app.register(cors, { origin: ['https://app.example.com'], exposedHeaders: ['X-Total-Count'] })
  app.get('/catalog', { cors: { origin: '*' } }, handler)
  app.get('/me', { cors: { credentials: true } }, handler)
  app.put('/items/:id', { cors: { allowedHeaders: ['content-type', 'x-token'], maxAge: 600 } }, handler)
  app.delete('/items/:id', { cors: { origin: 'https://admin.example.com' } }, handler)
  app.post('/webhooks/stripe', { cors: false }, handler)
  await app.ready()
  const blocks = app.cors.printPolicies().split(/\n(?=\S)/)
  const shown = blocks.filter((b) => /^(PUT \/items|DELETE \/items|POST \/webhooks)/.test(b))
  await app.close()
  return shown.map((b) => b.trimEnd()).join('\n').split('\n').map((line) => '   ' + line).join('\n')
}

const START = '   ```\n   PUT /items/:id  <- '
/** The README with its sample replaced by `sample`. */
export function withSample (readme, sample) {
  const at = readme.indexOf(START)
  const end = readme.indexOf('\n   ```', at + 7)
  if (at === -1 || end === -1) throw new Error('README.md: the printPolicies() sample was not found')
  return readme.slice(0, at) + '   ```\n' + sample + readme.slice(end)
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { default: cors } = await import('../dist/cjs/main.js')
  const sample = await printPoliciesSample(cors)
  if (process.argv.includes('--write')) writeFileSync('README.md', withSample(readFileSync('README.md', 'utf8'), sample))
  else process.stdout.write(sample + '\n')
}
