// What each engine's console prints for each failure kind of check.test.ts.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { runScenarios, type EngineName } from './engine.ts'
import { CASES } from './cases.ts'
const api = createServer((req, res) => {
  const found = CASES.find((c) => req.url === c.path)
  if (found === undefined) { res.statusCode = 404; res.end(); return }
  found.answer(req, res, req.headers.origin as string)
})
await new Promise<void>((resolve) => api.listen(0, 'localhost', resolve))
const API = `http://localhost:${(api.address() as AddressInfo).port}`
for (const engine of (process.argv[2] ?? 'chromium,firefox,webkit').split(',') as EngineName[]) {
  const t0 = Date.now()
  const seen = await runScenarios(engine, '127.0.0.1', CASES.map((c) => ({ url: API + c.path, init: c.init })))
  console.log(`== ${engine} ${Date.now() - t0} ms`)
  seen.forEach((s, i) => console.log(`-- ${CASES[i].name}: ${JSON.stringify(s.outcome)}\n${s.console.join('\n')}`))
}
api.close()
