// The benchmark's workloads: which app (scenario, see apps.mjs) and which request.
import { ALLOWED, LIST, SUBDOMAIN } from './apps.mjs'

const preflight = (path, origin = ALLOWED) => ({
  method: 'OPTIONS',
  path,
  headers: { origin, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type, x-token' }
})

export const WORKLOADS = [
  { name: 'GET, allowed origin', scenario: 'basic', request: { method: 'GET', path: '/items', headers: { origin: ALLOWED } } },
  { name: 'GET, no Origin', scenario: 'basic', request: { method: 'GET', path: '/items', headers: {} } },
  { name: 'GET, denied origin', scenario: 'basic', request: { method: 'GET', path: '/items', headers: { origin: 'https://evil.example.net' } } },
  { name: 'preflight PUT, 2 headers', scenario: 'basic', request: preflight('/items') },
  // Observability: one subscriber on each channel; a report-only candidate beside the policy.
  { name: 'GET, denied origin, one subscriber', scenario: 'subscribed', request: { method: 'GET', path: '/items', headers: { origin: 'https://evil.example.net' } } },
  { name: 'GET, allowed origin, report-only candidate', scenario: 'candidate', request: { method: 'GET', path: '/items', headers: { origin: ALLOWED } } },
  { name: 'GET, denied origin, report-only candidate', scenario: 'candidate', request: { method: 'GET', path: '/items', headers: { origin: 'https://evil.example.net' } } },
  // The write guard: on PUT routes of a policy with credentials only; GET routes have no guard.
  { name: 'GET, allowed origin, credentials', scenario: 'credentials', request: { method: 'GET', path: '/items', headers: { origin: ALLOWED, 'sec-fetch-site': 'cross-site' } } },
  { name: 'PUT, allowed origin, credentials', scenario: 'credentials', request: { method: 'PUT', path: '/items', headers: { origin: ALLOWED, 'sec-fetch-site': 'cross-site' } } },
  { name: 'PUT, no Origin, credentials', scenario: 'credentials', request: { method: 'PUT', path: '/items', headers: {} } },
  { name: 'GET, 1 of 200 route policies', scenario: 'many', request: { method: 'GET', path: '/r150', headers: { origin: 'https://o150.example.com' } } },
  { name: 'preflight, 1 of 200 route policies', scenario: 'many', request: preflight('/r150', 'https://o150.example.com') },
  { name: 'GET, 1,000-entry allow-list', scenario: 'list', request: { method: 'GET', path: '/items', headers: { origin: LIST[999] } } },
  { name: 'GET, RegExp origin', scenario: 'regex', request: { method: 'GET', path: '/items', headers: { origin: SUBDOMAIN } } },
  // This plugin: the pattern 'https://*.example.com'; @fastify/cors: the RegExp above.
  { name: 'GET, origin pattern', scenario: 'pattern', request: { method: 'GET', path: '/items', headers: { origin: SUBDOMAIN } } },
  { name: 'preflight, origin pattern', scenario: 'pattern', request: preflight('/items', SUBDOMAIN) },
  { name: 'GET, pattern after 1,000 origins', scenario: 'pattern-list', request: { method: 'GET', path: '/items', headers: { origin: SUBDOMAIN } } },
  // A synchronous origin function over a Set (@fastify/cors: its callback form), then the same
  // Set behind originLookup() (a cached answer) against that callback.
  { name: 'GET, origin function', scenario: 'function', request: { method: 'GET', path: '/items', headers: { origin: SUBDOMAIN } } },
  { name: 'GET, cached origin lookup', scenario: 'lookup', request: { method: 'GET', path: '/items', headers: { origin: SUBDOMAIN } } },
  // In the scale apps every route has its own origin, so the preflight comes from that one.
  { name: 'preflight, 10 routes', scenario: 'scale:10', request: preflight('/r5', 'https://o5.example.com') },
  // Starting four 10,000-route servers takes ~20 s, so this one has at most 3 rounds.
  { name: 'preflight, 10,000 routes', scenario: 'scale:10000', request: preflight('/r5000', 'https://o5000.example.com'), maxRounds: 3 }
]
