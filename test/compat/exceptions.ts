// The tests of @fastify/cors's own suite (cors.test.js, preflight.test.js) that this plugin does
// not pass, each with the reason. fastify-cors.test.ts checks that exactly these fail, and the
// README's migration section lists every one of them.

const SCHEMELESS = "uses an origin without a scheme ('example.com', 'other.io', ''), which no browser sends: refused at registration with the value to write instead"
const NO_ROUTE = 'sends a preflight to a path with no route: answered 404 here (the actual request would 404 too), and each path answers with its routes\' policy'
const THROWS = 'expects a 500 when the origin function fails: here the request is served, CORS is denied and the failure logged (once per policy per minute), so an outage of the lookup does not fail the API'
const DELEGATOR = 'uses an options function (`delegator`): policies are compiled at startup here; give routes their own `cors` policy'
const STRICT_DEFAULT = 'expects a 400 for an OPTIONS request without preflight headers by default: here it goes to your routes (or 404) unless strictPreflight: true is set; browsers never send such a request as a preflight'

export const EXCEPTIONS: Record<string, string> = {
  'Should add cors headers (custom values)': SCHEMELESS,
  'Should support dynamic config (callback)': DELEGATOR,
  'Should support dynamic config (Promise)': DELEGATOR,
  'Should support dynamic config. (Invalid function)': DELEGATOR,
  'Dynamic origin resolution (errored)': THROWS,
  'Dynamic origin resolution (invalid result)': 'expects a 500 when the origin function answers undefined: here that answer denies CORS',
  'Dynamic origin resolution (errored - promises)': THROWS,
  'Should support wildcard arrays from dynamic origin resolvers': "expects Access-Control-Allow-Origin '*' when the origin function answers ['*']: here the origin is reflected, with Vary: Origin, which a browser treats the same",
  'Server error if origin option is falsy but not false': SCHEMELESS,
  'Allow only request from a specific origin': SCHEMELESS,
  'Allow only request from multiple specific origin': SCHEMELESS,
  'Allow only request from a specific origin using regex': 'uses a RegExp not anchored at the start (/(?:example|other)\\.com\\/?$/), which also matches https://evilexample.com: refused as unsafe',
  'Should always add vary header to `Origin` for reflected origin': STRICT_DEFAULT,
  'Should not run origin function or add vary header when route disables CORS (callback origin)': THROWS,
  'Should not run origin function or add vary header when route disables CORS (promise origin)': THROWS,
  'Should reply to preflight requests': NO_ROUTE,
  'Should add access-control-allow-headers to response if preflight req has access-control-request-headers': NO_ROUTE,
  'Should reply to preflight requests with custom status code': NO_ROUTE,
  'Should reply to all options requests': NO_ROUTE,
  'Should support a prefix for preflight requests': NO_ROUTE,
  'hide options route by default': "looks for an OPTIONS route at '*': the plugin's are at '/*' (and the prefix), answering only paths with routes",
  'show options route': "looks for an OPTIONS route at '*': the plugin's are at '/*' (and the prefix), answering only paths with routes",
  'Allow only request from with specific methods': NO_ROUTE,
  'Should reply with 400 error to OPTIONS requests missing origin header when default strictPreflight': STRICT_DEFAULT,
  'Should reply with 400 to OPTIONS requests when missing Access-Control-Request-Method header when default strictPreflight': STRICT_DEFAULT,
  'Should reply to all preflight requests when strictPreflight is disabled': 'expects an OPTIONS request without preflight headers to be answered as a preflight (strictPreflight: false): here it goes to your routes; browsers never send one',
  'Default empty 200 response with preflightContinue on OPTIONS routes': NO_ROUTE,
  'Can override preflight response with preflightContinue': 'expects preflight headers on the app\'s own OPTIONS route: here your own OPTIONS route answers its path\'s preflights itself and gets the actual-response headers only',
  'Should support ongoing prefix ': NO_ROUTE,
  'delegator + logLevel:"silent" → OPTIONS logs are suppressed': DELEGATOR,
  'delegator + hideOptionsRoute:false → OPTIONS route is visible': DELEGATOR
}
