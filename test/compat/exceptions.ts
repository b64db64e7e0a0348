// The tests of @fastify/cors's own suite (cors.test.js, preflight.test.js) that this plugin does
// not pass, each with the reason and the difference its failure must show. fastify-cors.test.ts
// checks that exactly these fail, each by its difference, and the README's migration section
// lists every one of them.

const SCHEMELESS = "uses an origin without a scheme ('example.com', 'other.io', ''), which no browser sends: refused at registration with the value to write instead"
const NO_ROUTE = 'sends a preflight to a path with no route: answered 404 here (the actual request would 404 too), and each path answers with its routes\' policy'
const THROWS = 'expects a 500 when the origin function fails: here the request is served, CORS is denied and the failure logged (once per policy per minute), so an outage of the lookup does not fail the API'
const DELEGATOR = 'uses an options function (`delegator`): policies are compiled at startup here; give routes their own `cors` policy'
const STRICT_DEFAULT = 'expects a 400 for an OPTIONS request without preflight headers by default: here it goes to your routes (or 404) unless strictPreflight: true is set; browsers never send such a request as a preflight'

/** The expected and the actual status, as node:test's TAP report prints a failed assertion. */
const status = (expected: number, actual: number): RegExp => new RegExp(`expected: ${expected}\\n\\s+actual: ${actual}\\n`)

/**
 * Each exception: why it fails, and how (`differs`: what its failure report must show, the status,
 * header or error code by which this plugin differs), so that any other failure inside it is caught.
 */
export const EXCEPTIONS: Record<string, { why: string, differs: RegExp }> = {
  'Should add cors headers (custom values)': { why: SCHEMELESS, differs: /code: 'FST_CORS_INVALID_ORIGIN'/ },
  'Should support dynamic config (callback)': { why: DELEGATOR, differs: /code: 'FST_CORS_INVALID_OPTION'/ },
  'Should support dynamic config (Promise)': { why: DELEGATOR, differs: /code: 'FST_CORS_INVALID_OPTION'/ },
  'Should support dynamic config. (Invalid function)': { why: DELEGATOR, differs: /code: 'FST_CORS_INVALID_OPTION'/ },
  'Dynamic origin resolution (errored)': { why: THROWS, differs: status(500, 404) },
  'Dynamic origin resolution (invalid result)': { why: 'expects a 500 when the origin function answers undefined: here that answer denies CORS', differs: status(500, 404) },
  'Dynamic origin resolution (errored - promises)': { why: THROWS, differs: status(500, 404) },
  'Should support wildcard arrays from dynamic origin resolvers': { why: "expects Access-Control-Allow-Origin '*' when the origin function answers ['*']: here the origin is reflected, with Vary: Origin, which a browser treats the same", differs: /expected: '\*'\n\s+actual: 'https:\/\/client\.example'/ },
  'Server error if origin option is falsy but not false': { why: SCHEMELESS, differs: /code: 'FST_CORS_INVALID_ORIGIN'/ },
  'Allow only request from a specific origin': { why: SCHEMELESS, differs: /code: 'FST_CORS_INVALID_ORIGIN'/ },
  'Allow only request from multiple specific origin': { why: SCHEMELESS, differs: /code: 'FST_CORS_INVALID_ORIGIN'/ },
  'Allow only request from a specific origin using regex': { why: 'uses a RegExp not anchored at the start (/(?:example|other)\\.com\\/?$/), which also matches https://evilexample.com: refused as unsafe', differs: /is not anchored at both ends[\s\S]*code: 'FST_CORS_UNSAFE_POLICY'/ },
  'Should always add vary header to `Origin` for reflected origin': { why: STRICT_DEFAULT, differs: status(400, 404) },
  'Should not run origin function or add vary header when route disables CORS (callback origin)': { why: THROWS, differs: status(500, 200) },
  'Should not run origin function or add vary header when route disables CORS (promise origin)': { why: THROWS, differs: status(500, 200) },
  'Should reply to preflight requests': { why: NO_ROUTE, differs: status(204, 404) },
  'Should add access-control-allow-headers to response if preflight req has access-control-request-headers': { why: NO_ROUTE, differs: status(204, 404) },
  'Should reply to preflight requests with custom status code': { why: NO_ROUTE, differs: status(200, 404) },
  'Should reply to all options requests': { why: NO_ROUTE, differs: status(204, 404) },
  'Should support a prefix for preflight requests': { why: NO_ROUTE, differs: status(204, 404) },
  'hide options route by default': { why: "looks for an OPTIONS route at '*': the plugin's are at '/*' (and the prefix), answering only paths with routes", differs: /plan expected 2 assertions but received 1/ },
  'show options route': { why: "looks for an OPTIONS route at '*': the plugin's are at '/*' (and the prefix), answering only paths with routes", differs: /plan expected 2 assertions but received 1/ },
  'Allow only request from with specific methods': { why: NO_ROUTE, differs: status(204, 404) },
  'Should reply with 400 error to OPTIONS requests missing origin header when default strictPreflight': { why: STRICT_DEFAULT, differs: status(400, 404) },
  'Should reply with 400 to OPTIONS requests when missing Access-Control-Request-Method header when default strictPreflight': { why: STRICT_DEFAULT, differs: status(400, 404) },
  'Should reply to all preflight requests when strictPreflight is disabled': { why: 'expects an OPTIONS request without preflight headers to be answered as a preflight (strictPreflight: false): here it goes to your routes; browsers never send one', differs: status(204, 404) },
  'Default empty 200 response with preflightContinue on OPTIONS routes': { why: NO_ROUTE, differs: status(200, 404) },
  'Can override preflight response with preflightContinue': { why: 'expects preflight headers on the app\'s own OPTIONS route: here your own OPTIONS route answers its path\'s preflights itself and gets the actual-response headers only', differs: /\+ {3}'access-control-allow-methods': undefined/ },
  'Should support ongoing prefix ': { why: NO_ROUTE, differs: status(204, 404) },
  'delegator + logLevel:"silent" → OPTIONS logs are suppressed': { why: DELEGATOR, differs: /code: 'FST_CORS_INVALID_OPTION'/ },
  'delegator + hideOptionsRoute:false → OPTIONS route is visible': { why: DELEGATOR, differs: /code: 'FST_CORS_INVALID_OPTION'/ }
}
