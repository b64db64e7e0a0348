import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { chromium, type Browser, type Page } from 'playwright-core'

/** Debian's Chromium with the flags this machine (and CI) needs: no sandbox as root, no network. */
export function launch (): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync']
  })
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

export interface Outcome {
  blocked: boolean
  status?: number
  body?: string
  headers?: Record<string, string | null>
  error?: string
}

/** Runs fetch() in the page and reports what the page could read, or that the browser blocked it. */
export function pageFetch (page: Page, url: string, init: RequestInit = {}, readHeaders: string[] = []): Promise<Outcome> {
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
