// Prints the slowest test files of the last run, each against its timeout, so a file creeping
// towards its limit is seen before it fails on a busy machine. Timeouts come from package.json:
// a tap script's `--timeout N` for the folder of the files it names, else `tap.timeout`.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'

const pkg = JSON.parse(readFileSync('package.json', 'utf8'))
const timeouts = new Map([['test', pkg.tap.timeout]])
// The tap scripts `npm test` runs (test:node, for other Node versions, is not one of them).
const run = Object.entries(pkg.scripts).filter(([name]) => pkg.scripts.test.includes(`npm run ${name} `) || pkg.scripts.test.includes(`npm run ${name}&`))
for (const [, script] of run) {
  const timeout = /\btap\b.*--timeout[ =](\d+)/.exec(script)?.[1]
  if (timeout === undefined) continue
  for (const glob of script.match(/test\/\S+\.test\.ts/g) ?? []) timeouts.set(dirname(glob), Number(timeout))
}

const results = '.tap/test-results'
const rows = []
function walk (dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) walk(path)
    else if (entry.name.endsWith('.tap')) {
      const times = [...readFileSync(path, 'utf8').matchAll(/^# time=([\d.]+)ms$/gm)]
      if (times.length === 0) continue
      const file = relative(results, path).replace(/\.tap$/, '')
      rows.push({ file, seconds: Number(times.at(-1)[1]) / 1000, timeout: timeouts.get(dirname(file)) ?? pkg.tap.timeout })
    }
  }
}
if (existsSync(results)) walk(results)
rows.sort((a, b) => b.seconds / b.timeout - a.seconds / a.timeout)
console.log('\nSlowest test files (share of their timeout; over 50% is within 2x of failing):')
for (const { file, seconds, timeout } of rows.slice(0, 8)) {
  const share = Math.round((seconds / timeout) * 100)
  console.log(`${share > 50 ? '!!' : '  '} ${seconds.toFixed(1).padStart(6)} s of ${String(timeout).padStart(3)} s (${String(share).padStart(2)}%)  ${file}`)
}
