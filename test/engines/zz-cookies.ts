import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { runScenarios, type EngineName } from './engine.ts'
const api = createServer((req, res) => {
  res.setHeader('access-control-allow-origin', req.headers.origin ?? '*')
  res.setHeader('access-control-allow-credentials', 'true')
  if (req.url === '/star') { res.setHeader('access-control-allow-origin', '*'); res.setHeader('access-control-allow-credentials', 'false'); res.setHeader('access-control-allow-headers', '*'); res.statusCode = 204; return res.end() }
  if (req.method === 'OPTIONS') { res.setHeader('access-control-allow-headers', 'authorization'); res.statusCode = 204; return res.end() }
  if (req.url === '/set') res.setHeader('set-cookie', ['plain=1; Path=/', 'lax=1; Path=/; SameSite=Lax', 'none=1; Path=/; SameSite=None; Secure'])
  res.end(`cookie=${req.headers.cookie ?? ''}`)
})
await new Promise<void>((resolve) => api.listen(0, 'localhost', resolve))
const API = `http://localhost:${(api.address() as AddressInfo).port}`
for (const engine of (process.argv[2] ?? 'chromium,firefox,webkit').split(',') as EngineName[]) {
  for (const host of ['127.0.0.1', 'localhost']) {
    const seen = await runScenarios(engine, host, [
      { url: API + '/set', init: { credentials: 'include' } },
      { url: API + '/read', init: { credentials: 'include' } },
      { url: API + '/star', init: { headers: { authorization: 'Bearer x' } } }
    ])
    console.log(`== ${engine} page on ${host}`)
    seen.forEach((s) => console.log(JSON.stringify(s.outcome), '\n   ', s.console.join('\n    ')))
  }
}
api.close()
