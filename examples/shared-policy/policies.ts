// A shared package in a monorepo (e.g. @acme/cors-policies): named, typed policies used by every
// service. definePolicy() checks them at compile time; parsePolicy() checks what comes from the
// environment at boot, with the same messages as registration.
import { definePolicy, originsFromEnv, parsePolicy } from 'fastify-cors-policy'

// credentials: false, so it can be used under a global policy that has credentials.
export const publicRead = definePolicy({ origin: '*', credentials: false, methods: ['GET', 'HEAD'], maxAge: 3600 })

export const firstParty = definePolicy({
  origin: ['https://app.acme.com', 'https://admin.acme.com'],
  credentials: true,
  allowedHeaders: ['content-type', 'x-csrf-token']
})

/** The partner allow-list comes from CORS_ORIGINS, e.g. "https://a.partner.com, https://b.partner.com". */
export function partners (env: NodeJS.ProcessEnv = process.env) {
  return parsePolicy({ origin: originsFromEnv(env.CORS_ORIGINS), maxAge: 600 }, 'CORS_ORIGINS')
}
