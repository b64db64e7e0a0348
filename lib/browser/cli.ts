// fastify-cors-policy check <url> --origin <origin> [--method M] [-H 'name: value']... [--credentials] [--browser B] [--json] [--timeout ms]
// Exit status: 0 the page could read the response, 1 the browser would block it, 2 usage or network error.
import { parseArgs } from 'node:util'
import { check, CheckError, type CheckReport, type Exchange } from './check.js'
import { ENGINE_NAMES, ENGINES, type EngineName } from './engines.js'

const USAGE = `Usage: fastify-cors-policy check <url> --origin <page origin> [options]

What a browser does with fetch(<url>) from a page on <page origin>: the preflight it would send,
the actual request, what each answer allows, what each browser engine decides and prints in its
console (Chromium, Firefox, Safari's WebKit), and the likely fix.

Options:
  --origin, -o <origin>     the page's origin, e.g. https://app.example.com (required)
  --method, -X <method>     the request's method (default GET)
  --header, -H <'n: v'>     a request header the page sets (repeatable)
  --credentials             fetch(..., { credentials: 'include' })
  --browser <engine>        chromium, firefox, webkit or all (default all)
  --timeout <ms>            bound on each request (default 10000)
  --json                    print one JSON object instead
Exit status: 0 readable, 1 blocked by the browser, 2 usage or network error.`

function headerLines (exchange: Exchange, indent: string): string[] {
  return Object.entries(exchange.response.headers).map(([k, v]) => `${indent}${k}: ${v}`)
}

function print (report: CheckReport): string {
  const out: string[] = []
  const show = (title: string, exchange: Exchange): void => {
    out.push(`${title}: ${exchange.request.method} ${exchange.request.url}`)
    for (const [k, v] of Object.entries(exchange.request.headers)) out.push(`    ${k}: ${v}`)
    out.push(`  answer: HTTP ${exchange.response.status}`)
    const lines = headerLines(exchange, '    ')
    out.push(...(lines.length > 0 ? lines : ['    (no CORS headers)']))
  }
  if (report.preflight !== null) show('Preflight', report.preflight)
  else out.push('No preflight: a simple request (safelisted method and headers).')
  if (report.actual !== null) show('Request', report.actual)
  out.push('')
  out.push(`${report.allowed ? '✔' : '✘'} ${report.verdict[0].toUpperCase()}${report.verdict.slice(1)}`)
  if (report.allowed) out.push(`  The page may read: ${report.readable.length > 0 ? report.readable.join(', ') : '(no headers)'} and the body`)
  for (const [engine, lines] of Object.entries(report.console) as Array<[EngineName, string]>) {
    if (lines !== '') out.push('', `${ENGINES[engine].title} console:`, ...lines.split('\n').map((line) => `  ${line}`))
  }
  for (const note of report.notes) out.push('', `Note: ${note}`)
  if (report.fix !== null) out.push('', `Fix: ${report.fix}`)
  return out.join('\n') + '\n'
}

export async function main (argv: string[]): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        origin: { type: 'string', short: 'o' },
        method: { type: 'string', short: 'X' },
        header: { type: 'string', short: 'H', multiple: true },
        credentials: { type: 'boolean' },
        browser: { type: 'string', short: 'b' },
        timeout: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' }
      }
    })
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}\n`)
    return 2
  }
  const { values, positionals } = parsed
  if (values.help === true) {
    process.stdout.write(USAGE + '\n')
    return 0
  }
  if (positionals[0] !== 'check' || positionals.length !== 2 || values.origin === undefined) {
    process.stderr.write(USAGE + '\n')
    return 2
  }
  const headers: Record<string, string> = {}
  for (const line of values.header ?? []) {
    const at = line.indexOf(':')
    if (at <= 0) {
      process.stderr.write(`-H '${line}': write a header as 'name: value'\n`)
      return 2
    }
    headers[line.slice(0, at).trim()] = line.slice(at + 1).trim()
  }
  const timeout = values.timeout === undefined ? undefined : Number(values.timeout)
  if (timeout !== undefined && !(Number.isInteger(timeout) && timeout > 0)) {
    process.stderr.write(`--timeout '${values.timeout}': a whole number of milliseconds\n`)
    return 2
  }
  const browser = values.browser ?? 'all'
  if (browser !== 'all' && !ENGINE_NAMES.includes(browser as EngineName)) {
    process.stderr.write(`--browser '${browser}': one of chromium, firefox, webkit, all\n`)
    return 2
  }
  try {
    const report = await check({ url: positionals[1], origin: values.origin, method: values.method, headers, credentials: values.credentials, timeout, browser: browser as EngineName | 'all' })
    process.stdout.write(values.json === true ? JSON.stringify(report, null, 2) + '\n' : print(report))
    return report.allowed ? 0 : 1
  } catch (err) {
    // Anything else is a bug, not a usage or network error: it crashes with its stack.
    /* c8 ignore next */
    if (!(err instanceof CheckError)) throw err
    if (values.json === true) process.stdout.write(JSON.stringify({ error: err.message, code: err.code }, null, 2) + '\n')
    process.stderr.write(`fastify-cors-policy check: ${err.message}\n`)
    return 2
  }
}
