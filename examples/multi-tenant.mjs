// Multi-tenant: each customer's own domain may call the API. The allow-list lives in a database;
// lookups are cached for a minute so a burst of requests costs one query.
import Fastify from 'fastify'
import cors from 'fastify-cors-policy'

/** Stands in for a database table of tenant domains. */
export function fakeDatabase (origins) {
  const rows = new Set(origins)
  return {
    queries: 0,
    async isTenantOrigin (origin) {
      this.queries++
      await new Promise((resolve) => setTimeout(resolve, 2))
      return rows.has(origin)
    }
  }
}

/** A small TTL cache in front of the lookup; caches "no" too, so unknown origins cannot flood the db. */
export function cachedLookup (lookup, ttlMs = 60_000, max = 10_000) {
  const cache = new Map()
  return async (origin) => {
    const hit = cache.get(origin)
    if (hit !== undefined && hit.expires > Date.now()) return hit.allowed
    const allowed = await lookup(origin)
    if (cache.size >= max) cache.delete(cache.keys().next().value)
    cache.set(origin, { allowed, expires: Date.now() + ttlMs })
    return allowed
  }
}

export async function build ({ db = fakeDatabase(['https://shop.acme.com', 'https://store.globex.com']) } = {}) {
  const isTenant = cachedLookup((origin) => db.isTenantOrigin(origin))
  const app = Fastify()
  await app.register(cors, { origin: (origin) => isTenant(origin), credentials: true, originTimeout: 1000 })
  app.get('/api/catalog', async () => [{ sku: 'A-1' }])
  app.put('/api/cart', async (request) => ({ cart: request.body }))
  return { app, db }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { app } = await build()
  await app.listen({ port: Number(process.env.PORT ?? 3000) })
  console.log(`multi-tenant API on ${app.listeningOrigin}`)
}
