// `fastify-cors-policy check` predicts Chromium's console message word for word: the same request
// from a real page and from check(), against a plain node:http server answering each failure kind.
import { test } from 'tap'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ConsoleMessage } from 'playwright-core'
import { check } from '../../lib/browser/check.js'
import { launch, pageFetch, servePage } from './chromium.js'

type Answer = (req: IncomingMessage, res: ServerResponse, origin: string) => void

const CASES: Array<{ name: string, path: string, init: RequestInit, headers?: Record<string, string>, answer: Answer }> = [
  { name: 'no Access-Control-Allow-Origin', path: '/none', init: {}, answer: (req, res) => { res.end('x') } },
  { name: 'another origin', path: '/wrong', init: {}, answer: (req, res) => { res.setHeader('access-control-allow-origin', 'https://other.example'); res.end('x') } },
  { name: 'two origins', path: '/two', init: {}, answer: (req, res, o) => { res.setHeader('access-control-allow-origin', `${o}, https://other.example`); res.end('x') } },
  { name: "'*' with credentials", path: '/star', init: { credentials: 'include' }, answer: (req, res) => { res.setHeader('access-control-allow-origin', '*'); res.end('x') } },
  { name: 'no Access-Control-Allow-Credentials', path: '/nocred', init: { credentials: 'include' }, answer: (req, res, o) => { res.setHeader('access-control-allow-origin', o); res.end('x') } },
  {
    name: 'a method not allowed',
    path: '/method',
    init: { method: 'PUT' },
    answer: (req, res, o) => { res.setHeader('access-control-allow-origin', o); res.setHeader('access-control-allow-methods', 'GET'); res.statusCode = 204; res.end() }
  },
  {
    name: 'a header not allowed',
    path: '/header',
    init: { method: 'PUT', headers: { 'content-type': 'application/json', 'x-debug': '1' } },
    headers: { 'content-type': 'application/json', 'x-debug': '1' },
    answer: (req, res, o) => {
      res.setHeader('access-control-allow-origin', o)
      res.setHeader('access-control-allow-methods', 'PUT')
      res.setHeader('access-control-allow-headers', 'content-type')
      res.statusCode = 204
      res.end()
    }
  },
  {
    name: 'a preflight naming another origin',
    path: '/pre-wrong',
    init: { method: 'DELETE' },
    answer: (req, res) => { res.setHeader('access-control-allow-origin', 'https://other.example'); res.statusCode = 204; res.end() }
  },
  {
    name: 'a credentialed preflight without Access-Control-Allow-Credentials',
    path: '/pre-nocred',
    init: { method: 'DELETE', credentials: 'include' },
    answer: (req, res, o) => { res.setHeader('access-control-allow-origin', o); res.setHeader('access-control-allow-methods', 'DELETE'); res.statusCode = 204; res.end() }
  },
  { name: 'a preflight without Access-Control-Allow-Origin', path: '/pre-none', init: { method: 'DELETE' }, answer: (req, res) => { res.statusCode = 204; res.end() } },
  {
    name: 'a preflight without an ok status',
    path: '/status',
    init: { method: 'DELETE' },
    answer: (req, res, o) => { res.setHeader('access-control-allow-origin', o); res.setHeader('access-control-allow-methods', 'DELETE'); res.statusCode = 401; res.end() }
  },
  {
    name: 'a redirected preflight',
    path: '/redirect',
    init: { method: 'DELETE' },
    answer: (req, res, o) => { res.setHeader('access-control-allow-origin', o); res.statusCode = 307; res.setHeader('location', '/elsewhere'); res.end() }
  }
]

test("check() predicts Chromium's console message for each kind of failure", async (t) => {
  const page = await servePage('127.0.0.1')
  const api = createServer((req, res) => {
    const found = CASES.find((c) => req.url === c.path)
    if (found === undefined) { res.statusCode = 404; res.end(); return }
    found.answer(req, res, page.origin)
  })
  await new Promise<void>((resolve) => api.listen(0, 'localhost', resolve))
  const API = `http://localhost:${(api.address() as AddressInfo).port}`
  const browser = await launch()
  t.teardown(async () => { await browser.close(); api.close(); page.server.close() })
  const tab = await browser.newPage()
  await tab.goto(page.origin)
  for (const c of CASES) {
    const errors: string[] = []
    const listen = (msg: ConsoleMessage): void => { if (msg.type() === 'error') errors.push(msg.text()) }
    tab.on('console', listen)
    const outcome = await pageFetch(tab, API + c.path, c.init)
    const deadline = Date.now() + 5000
    while (!errors.some((e) => e.startsWith('Access to fetch')) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 25))
    tab.off('console', listen)
    const report = await check({
      url: API + c.path,
      origin: page.origin,
      method: c.init.method,
      headers: c.headers,
      credentials: c.init.credentials === 'include'
    })
    t.ok(outcome.blocked, `${c.name}: Chromium blocks it`)
    t.equal(report.allowed, false, `${c.name}: check says blocked`)
    t.equal(report.console, errors.find((e) => e.startsWith('Access to fetch')), `${c.name}: the same console message`)
  }
})
