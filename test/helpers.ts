import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import cors, { type CorsOptions } from '../lib/index.js'

/** An app with the plugin registered (awaited) and `routes` declared after it. */
export async function build (options: CorsOptions = {}, routes: (app: FastifyInstance) => void = () => {},
  serverOptions: FastifyServerOptions = {}): Promise<FastifyInstance> {
  const app = Fastify(serverOptions)
  await app.register(cors, options)
  routes(app)
  await app.ready()
  return app
}

export const ok = async (): Promise<string> => 'ok'

/** Sends a preflight for `method` on `url` from `origin`. */
export function preflight (app: FastifyInstance, url: string, origin: string, method: string, headers: Record<string, string> = {}) {
  return app.inject({
    method: 'OPTIONS',
    url,
    headers: { origin, 'access-control-request-method': method, ...headers }
  })
}

/** Every CORS response header present, for "no CORS headers" assertions. */
export function corsHeaders (headers: Record<string, unknown>): string[] {
  return Object.keys(headers).filter((h) => h.startsWith('access-control-'))
}

/** Collects log lines at debug level. */
export function logCapture (): { lines: Array<Record<string, unknown>>, stream: { write: (s: string) => void } } {
  const lines: Array<Record<string, unknown>> = []
  return { lines, stream: { write: (s: string) => { lines.push(JSON.parse(s)) } } }
}

/** Registers the plugin with `options` and returns the error it was refused with. */
export async function refusal (options: unknown): Promise<Error & { code?: string }> {
  const app = Fastify()
  try {
    await app.register(cors, options as never)
    await app.ready()
  } catch (err) {
    return err as Error & { code?: string }
  }
  throw new Error('registration was not refused')
}

/**
 * The answer to a preflight from an allowed origin that fails on its method, a header or private
 * network access: the policy's origin, methods and headers (so the browser names the cause), and
 * nothing a browser would cache or that approves private network access.
 */
export function refusedForCause (headers: Record<string, unknown>, origin: string): boolean {
  return headers['access-control-allow-origin'] === origin && headers['access-control-allow-methods'] !== undefined &&
    headers['access-control-max-age'] === undefined && headers['access-control-allow-private-network'] === undefined
}

/**
 * Heap growth (bytes, after a full GC) over `count` calls of `step`, after 200 warm-up calls: what
 * the calls left reachable.
 */
export async function heapGrowth (step: () => Promise<unknown>, count = 1000): Promise<number> {
  const { setFlagsFromString } = await import('node:v8')
  const { runInNewContext } = await import('node:vm')
  setFlagsFromString('--expose-gc')
  const collect = (globalThis as { gc?: () => void }).gc ?? runInNewContext('gc') as () => void
  for (let i = 0; i < 200; i++) await step()
  collect()
  const before = process.memoryUsage().heapUsed
  for (let i = 0; i < count; i++) await step()
  collect()
  return process.memoryUsage().heapUsed - before
}
