// What each browser engine does where engines differ from one another or from the Fetch standard,
// as read from the real engines here: Chromium 156 (Debian), Firefox ESR 153 and WebKitGTK 2.50
// (Safari's engine). test/engines/ holds every console line below to its engine, word for word;
// scripts/engine-max-age.ts measures the preflight cache.
import type { Failure } from './fetch-model.js'

export type EngineName = 'chromium' | 'firefox' | 'webkit'
export const ENGINE_NAMES: readonly EngineName[] = ['chromium', 'firefox', 'webkit']

/** A failed check, as an engine's console words it: the kind, and the request it was about. */
export type ConsoleFailure = (Failure | { kind: 'redirect' }) & {
  /** The request's URL and the page's origin. */
  url: string
  origin: string
  /** Whether the preflight failed (rather than the actual request). */
  preflight: boolean
  /** The status of the response that failed the check. */
  status: number
}

export interface EngineProfile {
  /** How users know it. */
  title: string
  /**
   * Seconds a preflight is cached without Access-Control-Max-Age, and the most it is cached
   * (scripts/engine-max-age.ts: all three 5 s; WebKit re-sends a 700 s one after 600 s).
   */
  maxAge: { default: number, cap: number }
  /**
   * Whether `Access-Control-Allow-Headers: *` lets an Authorization header through. The Fetch
   * standard says it does not; all three engines let it through today (test/engines/check).
   */
  wildcardCoversAuthorization: boolean
  /**
   * Cookies on a credentialed request to another site (the page's site differs from the API's):
   * 'partitioned-only': only cookies set with the Partitioned attribute (CHIPS);
   * 'partitioned': cookies kept per top-level site; 'none': no cookies at all.
   * (test/engines/cookies.test.ts, with a regular profile in each engine.)
   */
  crossSiteCookies: 'partitioned-only' | 'partitioned' | 'none'
  /** What the rejected fetch() promise says. */
  rejection: string
  /** The console lines the engine prints for a blocked request, in order. */
  console: (failure: ConsoleFailure) => string[]
}

const PREFLIGHT = "Response to preflight request doesn't pass access control check: "
const VALID = ' Have the server send the header with a valid value.'

function chromiumDetail (f: ConsoleFailure): string {
  const prefix = f.preflight ? PREFLIGHT : ''
  switch (f.kind) {
    case 'no-allow-origin':
      return prefix + "No 'Access-Control-Allow-Origin' header is present on the requested resource."
    case 'multiple-allow-origin':
      return prefix + `The 'Access-Control-Allow-Origin' header contains multiple values '${f.value}', but only one is allowed.` + VALID
    case 'origin-mismatch':
      return prefix + `The 'Access-Control-Allow-Origin' header has a value '${f.value}' that is not equal to the supplied origin.` + VALID
    case 'wildcard-credentials':
      return prefix + "The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'."
    case 'credentials':
      return prefix + `The value of the 'Access-Control-Allow-Credentials' header in the response is '${f.value}' which must be 'true' when the request's credentials mode is 'include'.`
    case 'status':
      return PREFLIGHT + 'It does not have HTTP ok status.'
    case 'redirect':
      return PREFLIGHT + 'Redirect is not allowed for a preflight request.'
    case 'method':
      return `Method ${f.value} is not allowed by Access-Control-Allow-Methods in preflight response.`
    case 'header':
      return `Request header field ${f.value} is not allowed by Access-Control-Allow-Headers in preflight response.`
    case 'unparsable':
      return `Cannot parse ${f.header} response header field in preflight response.`
  }
}

/** Firefox's reason, after "(Reason: ". */
function firefoxReasons (f: ConsoleFailure): string[] {
  switch (f.kind) {
    case 'no-allow-origin':
      return [`CORS header ‘Access-Control-Allow-Origin’ missing). Status code: ${f.status}.`]
    case 'multiple-allow-origin':
    case 'origin-mismatch':
      return [`CORS header ‘Access-Control-Allow-Origin’ does not match ‘${f.value}’).`]
    case 'wildcard-credentials':
      return ['Credential is not supported if the CORS header ‘Access-Control-Allow-Origin’ is ‘*’).']
    case 'credentials':
      return ['expected ‘true’ in CORS header ‘Access-Control-Allow-Credentials’).']
    case 'status':
      return [`CORS preflight response did not succeed). Status code: ${f.status}.`]
    case 'redirect':
      return ['CORS request external redirect not allowed).', `CORS preflight response did not succeed). Status code: ${f.status}.`]
    case 'method':
      return ['Did not find method in CORS header ‘Access-Control-Allow-Methods’).']
    case 'header':
      return [`header ‘${f.value}’ is not allowed according to header ‘Access-Control-Allow-Headers’ from CORS preflight response).`]
    case 'unparsable':
      return [`invalid token ‘${f.value}’ in CORS header ‘${f.header}’).`]
  }
}

function webkitReason (f: ConsoleFailure): string {
  switch (f.kind) {
    case 'no-allow-origin':
    case 'origin-mismatch':
      return `Origin ${f.origin} is not allowed by Access-Control-Allow-Origin. Status code: ${f.status}`
    case 'multiple-allow-origin':
      return 'Access-Control-Allow-Origin cannot contain more than one origin.'
    case 'wildcard-credentials':
      return 'Cannot use wildcard in Access-Control-Allow-Origin when credentials flag is true.'
    case 'credentials':
      return 'Credentials flag is true, but Access-Control-Allow-Credentials is not "true".'
    case 'status':
    case 'redirect':
      return `Preflight response is not successful. Status code: ${f.status}`
    case 'method':
      return `Method ${f.value} is not allowed by Access-Control-Allow-Methods.`
    case 'header':
      return `Request header field ${f.value} is not allowed by Access-Control-Allow-Headers.`
    case 'unparsable':
      return `Header ${f.header} has an invalid value: ${f.raw}`
  }
}

export const ENGINES: Readonly<Record<EngineName, EngineProfile>> = {
  chromium: {
    title: 'Chromium (Chrome, Edge)',
    maxAge: { default: 5, cap: 7200 },
    wildcardCoversAuthorization: true,
    crossSiteCookies: 'partitioned-only',
    rejection: 'TypeError: Failed to fetch',
    console: (f) => [
      `Access to fetch at '${f.url}' from origin '${f.origin}' has been blocked by CORS policy: ${chromiumDetail(f)}`,
      'Failed to load resource: net::ERR_FAILED'
    ]
  },
  firefox: {
    title: 'Firefox',
    maxAge: { default: 5, cap: 86400 },
    wildcardCoversAuthorization: true,
    crossSiteCookies: 'partitioned',
    rejection: 'TypeError: NetworkError when attempting to fetch resource.',
    console: (f) => {
      // Only the '*'-with-credentials line quotes the URL.
      const at = f.kind === 'wildcard-credentials' ? `‘${f.url}’` : f.url
      const lines = firefoxReasons(f)
      // A failed preflight ends with the request it was for, which never went out.
      if (f.preflight) lines.push('CORS request did not succeed). Status code: (null).')
      return lines.map((reason) => `Cross-Origin Request Blocked: The Same Origin Policy disallows reading the remote resource at ${at}. (Reason: ${reason}`)
    }
  },
  webkit: {
    title: 'Safari (WebKit)',
    maxAge: { default: 5, cap: 600 },
    wildcardCoversAuthorization: true,
    crossSiteCookies: 'none',
    rejection: 'TypeError: Load failed',
    console: (f) => [webkitReason(f), `Fetch API cannot load ${f.url} due to access control checks.`]
  }
}

/** Seconds `engine` keeps a preflight answered with this Access-Control-Max-Age (null: absent). */
export function preflightCacheSeconds (engine: EngineName, maxAge: number | null): number {
  const { default: fallback, cap } = ENGINES[engine].maxAge
  return maxAge === null ? fallback : Math.min(maxAge, cap)
}

/** The parts of a policy where engines differ. */
export interface PolicyTraits {
  maxAge?: number
  credentials?: boolean
}

/** What a policy does differently per engine, one sentence each (empty: the same everywhere). */
export function engineNotes (traits: PolicyTraits): string[] {
  const notes: string[] = []
  const maxAge = traits.maxAge
  if (maxAge !== undefined) {
    const cut = ENGINE_NAMES.filter((e) => preflightCacheSeconds(e, maxAge) < maxAge)
    if (cut.length > 0) {
      notes.push(`maxAge ${maxAge}: ${cut.map((e) => `${ENGINES[e].title} keeps a preflight ${ENGINES[e].maxAge.cap} s at most`).join(', ')}, then preflights again`)
    }
  }
  if (traits.credentials === true) {
    notes.push('credentials: a page on another site than the API gets no cookies in Safari (WebKit), only Partitioned ones in Chromium, ' +
      'and cookies kept per page site in Firefox; serve the API on the same site as its pages (api.example.com for app.example.com)')
  }
  return notes
}
