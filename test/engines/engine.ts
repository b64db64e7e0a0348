// One layer over the three browser engines users run: Chromium (playwright-core), Firefox ESR
// (puppeteer-core over WebDriver BiDi) and WebKitGTK's MiniBrowser (WebKitWebDriver under Xvfb, or
// started directly when its console must be read). Every browser test is written once against
// this layer and run per engine. CORS_ENGINES=firefox (or a comma list) runs only those engines.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import { freePort } from '../free-port.js'

export type EngineName = 'chromium' | 'firefox' | 'webkit'
export const ENGINES: EngineName[] = ['chromium', 'firefox', 'webkit']

const MINIBROWSER = process.env.MINIBROWSER_PATH ?? '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser'
const BINARIES: Record<EngineName, { path: string, package: string }> = {
  chromium: { path: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', package: 'chromium' },
  firefox: { path: process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr', package: 'firefox-esr' },
  webkit: { path: MINIBROWSER, package: 'webkit2gtk-driver (with xvfb)' }
}

export interface Outcome {
  blocked: boolean
  status?: number
  body?: string
  headers?: Record<string, string | null>
  error?: string
}

/** A tab. Interactions go through evaluate(), so every test reads the same on every engine. */
export interface EnginePage {
  goto: (url: string) => Promise<void>
  /** Runs `fn(arg)` in the page (fn must be self-contained: it is sent as source). */
  evaluate: <A, R>(fn: (arg: A) => R | Promise<R>, arg: A) => Promise<R>
  /** Console lines (errors and logs) seen since the page opened; WebKit's WebDriver gives none. */
  console: string[]
  screenshot: (path: string) => Promise<void>
}

export interface Browser {
  name: EngineName
  newPage: () => Promise<EnginePage>
  close: () => Promise<void>
}

/** The engines to run here: all three unless CORS_ENGINES narrows them. */
export function selected (): EngineName[] {
  const wanted = process.env.CORS_ENGINES
  if (wanted === undefined || wanted === '' || wanted === 'all') return ENGINES
  const names = wanted.split(',').map((s) => s.trim())
  for (const name of names) if (!ENGINES.includes(name as EngineName)) throw new Error(`CORS_ENGINES: unknown engine '${name}' (chromium, firefox, webkit)`)
  return names as EngineName[]
}

/**
 * Why `name` cannot run here, or null. In CI (CI=true) a missing engine is a failure, not a skip.
 */
export function missing (name: EngineName): string | null {
  const needs = [BINARIES[name].path]
  if (name === 'webkit') needs.push('/usr/bin/WebKitWebDriver', '/usr/bin/Xvfb')
  const absent = needs.filter((p) => !existsSync(p))
  if (absent.length === 0) return null
  return `${name} is not installed (${absent.join(', ')} missing): apt-get install ${BINARIES[name].package}`
}

/**
 * Runs `body` once per selected engine as a subtest named after it; an engine not installed is
 * skipped with one line naming its Debian package (a failure when CI=true: CI runs all three).
 */
export function eachEngine (t: Test, title: string, body: (t: Test, engine: EngineName) => Promise<void>): void {
  for (const engine of selected()) {
    const why = missing(engine)
    if (why !== null && process.env.CI !== 'true') {
      t.test(`${engine}: ${title}`, { skip: why }, async () => {})
      continue
    }
    t.test(`${engine}: ${title}`, async (t) => {
      if (why !== null) throw new Error(why)
      await body(t, engine)
    })
  }
}

export async function launch (name: EngineName): Promise<Browser> {
  if (name === 'chromium') return await launchChromium()
  if (name === 'firefox') return await launchFirefox()
  return await launchWebKit()
}

/** Serves a blank page from `host` (127.0.0.1, 127.0.0.2: two origins on one machine). */
export async function servePage (host: string): Promise<{ origin: string, server: Server }> {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' })
    res.end('<!doctype html><title>page</title>')
  })
  await new Promise<void>((resolve) => server.listen(0, host, resolve))
  return { origin: `http://${host}:${(server.address() as AddressInfo).port}`, server }
}

/** Runs fetch() in the page and reports what the page could read, or that the browser blocked it. */
export function pageFetch (page: EnginePage, url: string, init: RequestInit = {}, readHeaders: string[] = []): Promise<Outcome> {
  return page.evaluate(async ({ url, init, readHeaders }) => {
    try {
      const res = await fetch(url, init)
      const headers: Record<string, string | null> = {}
      for (const name of readHeaders) headers[name] = res.headers.get(name)
      return { blocked: false, status: res.status, body: await res.text(), headers }
    } catch (err) {
      return { blocked: true, error: String(err) }
    }
  }, { url, init, readHeaders })
}

// ---- DOM helpers, the same on every engine -------------------------------------------------

export async function text (page: EnginePage, selector: string): Promise<string> {
  return await page.evaluate((s) => document.querySelector(s)?.textContent ?? '', selector)
}

export async function click (page: EnginePage, selector: string): Promise<void> {
  await page.evaluate((s) => { (document.querySelector(s) as HTMLElement).click() }, selector)
}

/** Sets a form field's value as typing would, firing input and change. */
export async function fill (page: EnginePage, selector: string, value: string): Promise<void> {
  await page.evaluate(({ s, value }) => {
    const el = document.querySelector(s) as HTMLInputElement
    el.value = value
    el.dispatchEvent(new Event('input', { bubbles: true }))
    el.dispatchEvent(new Event('change', { bubbles: true }))
  }, { s: selector, value })
}

/** Polls `fn(arg)` in the page until it returns true. */
export async function waitFor<A> (page: EnginePage, fn: (arg: A) => boolean, arg: A, timeout = 30000): Promise<void> {
  const deadline = Date.now() + timeout
  while (!(await page.evaluate(fn, arg))) {
    if (Date.now() > deadline) throw new Error(`waited ${timeout} ms for ${fn.toString()}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

// ---- Chromium ------------------------------------------------------------------------------

/** A Playwright or Puppeteer page (their goto, evaluate and screenshot read alike) as an EnginePage. */
interface DrivenPage {
  goto: (url: string) => Promise<unknown>
  evaluate: (fn: never, arg: never) => Promise<unknown>
  screenshot: (options: { path: `${string}.png`, fullPage: boolean }) => Promise<unknown>
}
function driven (page: DrivenPage, lines: string[]): EnginePage {
  return {
    console: lines,
    async goto (url) { await page.goto(url) },
    evaluate: async (fn, arg) => await page.evaluate(fn as never, arg as never) as never,
    async screenshot (path) { await page.screenshot({ path: path as `${string}.png`, fullPage: true }) }
  }
}

async function launchChromium (): Promise<Browser> {
  const { chromium } = await import('playwright-core')
  // A regular profile, as users run it (a Playwright context of its own is incognito, which
  // treats cookies differently); the flags this machine (and CI) needs: no sandbox as root, no network.
  const profile = mkdtempSync(join(tmpdir(), 'cors-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: BINARIES.chromium.path,
    headless: true,
    viewport: { width: 1100, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync']
  })
  return {
    name: 'chromium',
    async newPage () {
      const page = await context.newPage()
      const lines: string[] = []
      page.on('console', (m) => { lines.push(m.text()) })
      return driven(page, lines)
    },
    async close () {
      await context.close()
      removeProfile(profile)
    }
  }
}

// ---- Firefox -------------------------------------------------------------------------------

async function launchFirefox (): Promise<Browser> {
  const { default: puppeteer } = await import('puppeteer-core')
  const profile = mkdtempSync(join(tmpdir(), 'cors-firefox-'))
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: BINARIES.firefox.path,
    headless: true,
    userDataDir: profile,
    defaultViewport: { width: 1100, height: 900 },
    // No network beyond loopback: nothing to update, report or prefetch.
    extraPrefsFirefox: {
      'app.update.enabled': false,
      'network.dns.disablePrefetch': true,
      'network.prefetch-next': false,
      'datareporting.policy.dataSubmissionEnabled': false
    }
  })
  return {
    name: 'firefox',
    async newPage () {
      const page = await browser.newPage()
      const lines: string[] = []
      page.on('console', (m) => { lines.push(m.text()) })
      // Firefox reports a blocked CORS request as a page error, not a console message.
      page.on('pageerror', (e) => { lines.push((e as Error).message) })
      return driven(page, lines)
    },
    async close () {
      await browser.close()
      removeProfile(profile)
    }
  }
}

// ---- WebKit --------------------------------------------------------------------------------

/** An X server of our own for the process, on a free display (Xvfb -displayfd); ends with it. */
let xvfb: Promise<string> | undefined
let xvfbChild: ChildProcess | undefined
function display (): Promise<string> {
  xvfb ??= new Promise((resolve, reject) => {
    const child = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], { stdio: ['ignore', 'ignore', 'ignore', 'pipe'] })
    xvfbChild = child
    let out = ''
    const fd = child.stdio[3] as NodeJS.ReadableStream & { destroy: () => void }
    fd.on('data', (chunk: Buffer) => {
      out += String(chunk)
      if (!out.includes('\n')) return
      // Nothing of it may keep the test process alive: the exit handler below ends it.
      fd.destroy()
      child.unref()
      resolve(`:${out.trim()}`)
    })
    child.on('exit', (code) => reject(new Error(`Xvfb exited (${code ?? 'signal'}) before giving a display`)))
  })
  return xvfb
}
process.on('exit', () => { xvfbChild?.kill() })

/** Removes a browser's temporary profile; its helper processes may still be writing their last files. */
function removeProfile (dir: string): void {
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 })
  } catch {
    // Left in the temporary folder: nothing reads it again.
  }
}

/** A fresh HOME per browser: MiniBrowser's --private mode would silence its console. */
async function webkitEnv (): Promise<{ env: NodeJS.ProcessEnv, home: string }> {
  const home = mkdtempSync(join(tmpdir(), 'cors-webkit-'))
  return { env: { ...process.env, DISPLAY: await display(), HOME: home, XDG_RUNTIME_DIR: home, XDG_CACHE_HOME: home, XDG_DATA_HOME: home }, home }
}

async function launchWebKit (): Promise<Browser> {
  const { env, home } = await webkitEnv()
  const port = await freePort()
  const driver = spawn('/usr/bin/WebKitWebDriver', [`--port=${port}`], { env, stdio: 'ignore' })
  const base = `http://127.0.0.1:${port}`
  const call = async (method: string, path: string, body?: unknown): Promise<any> => {
    const res = await fetch(base + path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) })
    const json = await res.json() as { value: any }
    if (!res.ok) throw new Error(`WebKitWebDriver ${method} ${path}: ${JSON.stringify(json.value)}`)
    return json.value
  }
  const deadline = Date.now() + 20000
  for (;;) {
    try {
      if ((await call('GET', '/status')).ready === true) break
    } catch (err) {
      if (Date.now() > deadline) throw err
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const session = await call('POST', '/session', {
    capabilities: { alwaysMatch: { 'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] } } }
  })
  const s = `/session/${session.sessionId as string}`
  const first: string = await call('GET', `${s}/window`)
  let used = false
  // One WebDriver session drives every tab: switch to the tab's window before each command.
  let queue: Promise<unknown> = Promise.resolve()
  const serial = <R>(work: () => Promise<R>): Promise<R> => {
    const next = queue.then(work, work)
    queue = next.catch(() => {})
    return next
  }
  return {
    name: 'webkit',
    async newPage () {
      const handle: string = used ? (await serial(async () => await call('POST', `${s}/window/new`, { type: 'tab' }))).handle : first
      used = true
      const on = <R>(work: () => Promise<R>): Promise<R> => serial(async () => { await call('POST', `${s}/window`, { handle }); return await work() })
      return {
        console: [],
        goto: async (url) => { await on(async () => await call('POST', `${s}/url`, { url })) },
        evaluate: async (fn, arg) => await on(async () => {
          const value = await call('POST', `${s}/execute/async`, {
            script: `const done = arguments[arguments.length - 1];
              Promise.resolve().then(() => (${fn.toString()})(arguments[0])).then((v) => done({ v }), (e) => done({ e: String(e && e.stack || e) }))`,
            args: [arg]
          })
          if ('e' in value) throw new Error(`in WebKit: ${value.e as string}`)
          return value.v
        }),
        screenshot: async (path) => { writeFileSync(path, Buffer.from(await on(async () => await call('GET', `${s}/screenshot`)), 'base64')) }
      }
    },
    async close () {
      await call('DELETE', s).catch(() => {})
      if (driver.exitCode === null) {
        driver.kill()
        await new Promise((resolve) => driver.once('exit', resolve))
      }
      removeProfile(home)
    }
  }
}

// ---- Reading the console: the same scenario page in each engine -----------------------------

export interface Scenario { url: string, init?: RequestInit }
export interface Seen { outcome: Outcome, console: string[] }

const START = 'cors-scenario-start '
const END = 'cors-scenario-end '

/** The page that runs scenarios one after the other, marking each in the console. */
function scenarioPage (scenarios: Scenario[]): string {
  return `<!doctype html><title>scenarios</title><script>
(async () => {
  const scenarios = ${JSON.stringify(scenarios).replace(/</g, '\\u003c')}
  for (let i = 0; i < scenarios.length; i++) {
    console.log(${JSON.stringify(START)} + i)
    let outcome
    try {
      const res = await fetch(scenarios[i].url, scenarios[i].init)
      outcome = { blocked: false, status: res.status, body: await res.text() }
    } catch (err) {
      outcome = { blocked: true, error: String(err) }
    }
    // Console messages about a request may trail its promise: let them land before the marker.
    await new Promise((resolve) => setTimeout(resolve, 150))
    console.log(${JSON.stringify(END)} + i + ' ' + JSON.stringify(outcome))
    // Lines that trail the end mark still belong to this scenario (split() takes them up to the
    // next start mark): leave them time to land on a busy machine.
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
})()
</script>`
}

/**
 * Splits console lines at the scenario markers: a scenario's lines run from its start mark to the
 * next one (lines after its end mark included). Null until every scenario has ended and the
 * console has been quiet for QUIET ms since (a line may trail the last end mark).
 */
const QUIET = 500
function split (lines: string[], count: number, quietSince: number): Seen[] | null {
  const seen: Seen[] = []
  let current: string[] | null = null
  for (const line of lines) {
    if (line.startsWith(START)) { current = []; continue }
    if (line.startsWith(END)) {
      const rest = line.slice(END.length)
      const space = rest.indexOf(' ')
      current ??= []
      seen.push({ outcome: JSON.parse(rest.slice(space + 1)) as Outcome, console: current })
      continue
    }
    current?.push(line)
  }
  return seen.length === count && Date.now() - quietSince >= QUIET ? seen : null
}

/** Tracks when a growing list of lines last grew. */
function quietness (lines: string[]): () => number {
  let length = lines.length
  let since = Date.now()
  return () => {
    if (lines.length !== length) { length = lines.length; since = Date.now() }
    return since
  }
}

/**
 * Runs each scenario from a page on `host` and returns what the page saw and what the engine's
 * console printed for it (its own lines, without the driver's prefixes).
 */
export async function runScenarios (engine: EngineName, host: string, scenarios: Scenario[], timeout = 60000): Promise<{ origin: string, seen: Seen[] }> {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' })
    res.end(scenarioPage(scenarios))
  })
  await new Promise<void>((resolve) => server.listen(0, host, resolve))
  const url = `http://${host}:${(server.address() as AddressInfo).port}/`
  const origin = url.slice(0, -1)
  try {
    if (engine === 'webkit') return { origin, seen: await webkitConsole(url, scenarios.length, timeout) }
    const browser = await launch(engine)
    try {
      const page = await browser.newPage()
      await page.goto(url)
      const deadline = Date.now() + timeout
      const quiet = quietness(page.console)
      for (;;) {
        const seen = split(page.console, scenarios.length, quiet())
        if (seen !== null) return { origin, seen }
        if (Date.now() > deadline) throw new Error(`${engine}: the scenarios did not finish in ${timeout} ms; console:\n${page.console.join('\n')}`)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    } finally {
      await browser.close()
    }
  } finally {
    server.close()
  }
}

/** MiniBrowser started directly writes its console to stderr (with its own prefixes). */
async function webkitConsole (url: string, count: number, timeout: number): Promise<Seen[]> {
  const { env, home } = await webkitEnv()
  const child = spawn(MINIBROWSER, ['--enable-write-console-messages-to-stdout=true', url], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  const lines: string[] = []
  let partial = ''
  const take = (chunk: Buffer): void => {
    partial += String(chunk)
    const parts = partial.split('\n')
    partial = parts.pop() as string
    for (const line of parts) {
      // "CONSOLE SECURITY ERROR text", or "url:line:col: CONSOLE LOG text" for the console API.
      const m = /^(?:\S+:\d+:\d+: )?CONSOLE (?:[A-Z-]+ )?(?:LOG|ERROR|WARN|INFO|DEBUG) (.*)$/.exec(line)
      if (m !== null) lines.push(m[1])
    }
  }
  child.stdout.on('data', take)
  child.stderr.on('data', take)
  try {
    const deadline = Date.now() + timeout
    const quiet = quietness(lines)
    for (;;) {
      const seen = split(lines, count, quiet())
      if (seen !== null) return seen
      if (child.exitCode !== null) throw new Error(`MiniBrowser exited (${child.exitCode}); console:\n${lines.join('\n')}`)
      if (Date.now() > deadline) throw new Error(`webkit: the scenarios did not finish in ${timeout} ms; console:\n${lines.join('\n')}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  } finally {
    if (child.exitCode === null) {
      child.kill()
      await new Promise((resolve) => child.once('exit', resolve))
    }
    removeProfile(home)
  }
}
