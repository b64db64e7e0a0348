// The path table must name the same path for a request target as Fastify's router does. The
// reference here is find-my-way itself, holding every path as a route: random route sets, router
// options and request targets (case, percent-encoding, query, slashes, absolute form) are looked up
// in both, and must agree.
import { test } from 'tap'
import fc from 'fast-check'
import Fastify from 'fastify'
import FindMyWay from 'find-my-way'
import { findEntry, pathEntry, pathTable, placePatterns, requestKey, staticKey, loadRouter } from '../../lib/serve/paths.js'

// The table needs find-my-way, which a registration loads first.
await loadRouter()

const STATIC = ['a', 'B', 'users', 'x%y', 'a::b', 'é', 'v1.0', 'a-b']
const segmentArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...STATIC) },
  { weight: 2, arbitrary: fc.constantFrom(':id', ':id', ':x', ':id(\\d+)', ':name-:ext', ':opt?', ':') }
)
const routeArb = fc.tuple(fc.array(segmentArb, { minLength: 0, maxLength: 3 }), fc.boolean(), fc.boolean())
  .map(([segments, trailing, wildcard]) => '/' + segments.join('/') + (wildcard ? (segments.length > 0 ? '/*' : '*') : trailing && segments.length > 0 ? '/' : ''))
const optionsArb = fc.record({
  ignoreTrailingSlash: fc.boolean(),
  ignoreDuplicateSlashes: fc.boolean(),
  caseSensitive: fc.boolean(),
  useSemicolonDelimiter: fc.boolean()
})

/** A target a client could send for `route`: parameters filled, characters encoded or recased. */
function targetArb (route: string): fc.Arbitrary<string> {
  return fc.record({
    value: fc.constantFrom('12', 'abc', 'a%2Fb', '%41', 'x.y', ''),
    recase: fc.boolean(),
    encode: fc.nat(20),
    upperHex: fc.boolean(),
    doubleSlash: fc.nat(5),
    trailing: fc.boolean(),
    suffix: fc.constantFrom('', '?q=1', '?a=%zz', ';jsessionid=1', '#f', '?x#y'),
    absolute: fc.constantFrom('', 'http://h', 'HTTPS://h:8080', 'ftp://h')
  }).map(({ value, recase, encode, upperHex, doubleSlash, trailing, suffix, absolute }) => {
    let path = route.replace(/:[^/-]+/g, value).replace('*', value).replaceAll('::', ':')
    if (recase) path = path.toUpperCase()
    if (encode < path.length && path[encode] !== '/' && path[encode] !== '%') {
      const hex = path.charCodeAt(encode).toString(16).padStart(2, '0')
      path = path.slice(0, encode) + '%' + (upperHex ? hex.toUpperCase() : hex) + path.slice(encode + 1)
    }
    if (doubleSlash < path.length && path[doubleSlash] === '/') path = path.slice(0, doubleSlash) + '/' + path.slice(doubleSlash)
    if (trailing) path += '/'
    return absolute + path + suffix
  })
}

const caseArb = optionsArb.chain((options) => fc.array(routeArb, { minLength: 1, maxLength: 8 }).chain((routes) =>
  fc.record({
    options: fc.constant(options),
    routes: fc.constant(routes),
    targets: fc.array(fc.oneof(
      { weight: 5, arbitrary: fc.constantFrom(...routes).chain(targetArb) },
      { weight: 1, arbitrary: fc.string({ maxLength: 12 }).map((s) => '/' + s) }
    ), { minLength: 1, maxLength: 10 })
  })))

test('the path table names the same path as find-my-way for any target', async (t) => {
  let compared = 0
  let found = 0
  fc.assert(fc.property(caseArb, ({ options, routes, targets }) => {
    const app = Fastify({ routerOptions: options })
    const table = pathTable(app)
    const config = options as FindMyWay.Config<FindMyWay.HTTPVersion.V1>
    const accepted: string[] = []
    for (const route of routes) {
      // A path the router refuses, or one it already has, makes Fastify throw: skip it. Tried
      // on a scratch router, since a refused optional parameter leaves half of it registered.
      const scratch = FindMyWay(config)
      try {
        for (const r of [...accepted, route]) scratch.on('OPTIONS', r, () => {})
      } catch {
        continue
      }
      accepted.push(route)
      pathEntry(table, route)
    }
    // What the plugin does at ready.
    placePatterns(table)
    const reference = FindMyWay(config)
    for (const route of accepted) reference.on('OPTIONS', route, () => {}, { url: route })
    for (const target of targets) {
      const expected = (reference.find('OPTIONS', target)?.store as { url: string } | undefined)?.url ?? null
      const actual = findEntry(table, target)?.url ?? null
      compared++
      if (expected !== null) found++
      if (actual !== expected) throw new Error(`${JSON.stringify(target)} with ${JSON.stringify(options)}: table says ${actual}, router says ${expected}`)
    }
  }), { numRuns: Number(process.env.PATHS_RUNS ?? 2000) })
  t.ok(compared > 5000, `${compared} targets compared`)
  t.ok(found > compared / 4, `${found} of them name a path`)
})

test('keys: parameters and wildcards are not static; reserved encodings stay encoded', async (t) => {
  const exact = { ignoreTrailingSlash: false, ignoreDuplicateSlashes: false, caseSensitive: true, useSemicolonDelimiter: false }
  t.equal(staticKey('/a/:id', exact), null)
  t.equal(staticKey('/files/*', exact), null)
  t.equal(staticKey('/a::b', exact), '/a:b', 'a doubled colon is a literal colon')
  t.equal(requestKey('/a%2Fb', exact), '/a%2Fb', 'an encoded slash is not a separator')
  t.equal(requestKey('/%61', exact), '/a')
  t.equal(requestKey('/%25', exact), '/%25')
  t.equal(requestKey('/%zz', exact), null, 'a malformed escape names no path')
  t.equal(requestKey('http://h?q', exact), '/')
  t.equal(requestKey('http://', exact), null)
  t.equal(requestKey('http://h:99999/x', exact), null, 'an absolute form that does not parse names no path')
  t.equal(requestKey('*', exact), '/', 'the asterisk form is read from its second character, as find-my-way reads it')
  t.equal(requestKey('/A//b/;x', { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, caseSensitive: false, useSemicolonDelimiter: true }), '/a/b')
})
