// README samples come from the code: the printPolicies() sample is what the code prints for the
// README's own first example (scripts/readme-samples.mjs --write regenerates it).
import { test } from 'tap'
import { readFileSync } from 'node:fs'
import cors from '../lib/index.js'
// @ts-expect-error a plain ES module script, without declarations
import { printPoliciesSample, withSample } from '../scripts/readme-samples.mjs'

test("README's printPolicies() sample is what the code prints for the README's example", async (t) => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  const sample: string = await printPoliciesSample(cors)
  t.equal(withSample(readme, sample), readme, 'run `npm run build && node scripts/readme-samples.mjs --write` to update it')
  t.match(sample, /DELETE \/items\/:id {2}<- route DELETE \/items\/:id\n {7}origin https:\/\/admin\.example\.com; credentials no;/)
})
