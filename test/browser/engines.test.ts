// The engine profiles: preflight cache lengths, and the notes that name engine differences.
// (Each console template is held to its real engine, word for word, in test/engines/check.test.ts.)
import { test } from 'tap'
import { ENGINES, ENGINE_NAMES, engineNotes, preflightCacheSeconds } from '../../lib/browser/engines.js'

test('each engine caches a preflight 5 s by default and up to its own cap', async (t) => {
  t.same(ENGINE_NAMES.map((e) => preflightCacheSeconds(e, null)), [5, 5, 5])
  t.same(ENGINE_NAMES.map((e) => preflightCacheSeconds(e, 300)), [300, 300, 300])
  t.same(ENGINE_NAMES.map((e) => preflightCacheSeconds(e, 3600)), [3600, 3600, 600])
  t.same(ENGINE_NAMES.map((e) => preflightCacheSeconds(e, 100000)), [7200, 86400, 600])
  t.same(ENGINE_NAMES.map((e) => preflightCacheSeconds(e, 0)), [0, 0, 0], 'max-age 0: not cached')
})

test('engine notes: maxAge above a cap, and cookies for pages on another site', async (t) => {
  t.same(engineNotes({}), [])
  t.same(engineNotes({ maxAge: 600, credentials: false }), [])
  t.same(engineNotes({ maxAge: 3600 }), ['maxAge 3600: Safari (WebKit) keeps a preflight 600 s at most, then preflights again'])
  t.same(engineNotes({ maxAge: 90000 }), ['maxAge 90000: Chromium (Chrome, Edge) keeps a preflight 7200 s at most, ' +
    'Firefox keeps a preflight 86400 s at most, Safari (WebKit) keeps a preflight 600 s at most, then preflights again'])
  const [cookies] = engineNotes({ credentials: true })
  t.match(cookies, /no cookies in Safari \(WebKit\), only Partitioned ones in Chromium, and cookies kept per page site in Firefox; serve the API on the same site/)
})

test('each profile words a failure with the URL, the origin and the status it was about', async (t) => {
  const f = { url: 'http://api.test/x', origin: 'http://app.test', preflight: true, status: 401, kind: 'status' as const }
  t.same(ENGINES.webkit.console(f), ['Preflight response is not successful. Status code: 401', 'Fetch API cannot load http://api.test/x due to access control checks.'])
  t.same(ENGINES.firefox.console(f).map((l) => l.replace(/^.*\(Reason: /, '')),
    ['CORS preflight response did not succeed). Status code: 401.', 'CORS request did not succeed). Status code: (null).'])
  t.match(ENGINES.chromium.console(f)[0], "Access to fetch at 'http://api.test/x' from origin 'http://app.test' has been blocked by CORS policy: Response to preflight request doesn't pass access control check: It does not have HTTP ok status.")
})
