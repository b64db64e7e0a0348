// npm run test:mutation [-- folder ...]: StrykerJS over lib/, one run per folder (see
// stryker.config.mjs), then the score of each folder from its JSON report. With no folder it runs
// the three the project holds to 90%: config, serve, origins (regexp-safety.ts apart).
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'

const asked = process.argv.slice(2)
const folders = asked.length > 0 ? asked : ['config', 'serve', 'origins', 'origins/regexp-safety']
for (const folder of folders) {
  const run = spawnSync('npx', ['stryker', 'run'], { stdio: 'inherit', env: { ...process.env, STRYKER_FOLDER: folder } })
  if (run.status !== 0) process.exitCode = 1
}

/** Stryker's own score: killed and timed out over everything that ran (compile errors excluded). */
function score (report) {
  const n = { Killed: 0, Timeout: 0, Survived: 0, NoCoverage: 0, CompileError: 0, RuntimeError: 0, Ignored: 0 }
  for (const file of Object.values(report.files)) for (const m of file.mutants) n[m.status]++
  const detected = n.Killed + n.Timeout
  const valid = detected + n.Survived + n.NoCoverage
  return { ...n, score: valid === 0 ? 100 : (100 * detected) / valid }
}

// Every folder with a report, this run's or an earlier one's.
const rows = []
for (const file of readdirSync('reports/mutation').filter((f) => f.endsWith('.json') && !f.endsWith('.incremental.json')).sort()) {
  const s = score(JSON.parse(readFileSync(`reports/mutation/${file}`, 'utf8')))
  rows.push(`| lib/${file.slice(0, -'.json'.length).replace('-', '/')} | ${s.score.toFixed(1)}% | ${s.Killed + s.Timeout} | ${s.Survived} | ${s.NoCoverage} | ${s.CompileError} |`)
}
console.log('\n| folder | score | killed | survived | no coverage | compile errors |\n| --- | ---: | ---: | ---: | ---: | ---: |')
console.log(rows.join('\n'))
