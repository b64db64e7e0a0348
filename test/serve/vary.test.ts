// lib/vary.ts appends to Vary as the `vary` package does (the oracle here; the plugin no longer
// loads it, for its import cost).
import { test } from 'tap'
import fc from 'fast-check'
import vary from 'vary'
import { appendVary } from '../../lib/serve/vary.js'

// The lists the plugin appends, and existing values an app may have set.
const FIELDS = ['Origin', 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network',
  'Access-Control-Request-Method, Access-Control-Request-Headers, Access-Control-Request-Private-Network']
const token = fc.constantFrom('Origin', 'origin', 'ORIGIN', 'Accept-Encoding', '*', 'access-control-request-method', 'Cookie', '', ' ', 'X-A')
const current = fc.array(token, { maxLength: 5 }).chain((tokens) =>
  fc.constantFrom(', ', ',', ' ,  ', ',,').map((sep) => tokens.join(sep)))

test('appendVary() gives what vary.append() gives, for every list the plugin appends', async (t) => {
  fc.assert(fc.property(current, fc.constantFrom(...FIELDS), (text, fields) => appendVary(text, fields) === vary.append(text, fields)), { numRuns: 2000 })
  t.equal(appendVary('Accept-Encoding', 'Origin'), 'Accept-Encoding, Origin')
  t.equal(appendVary('origin', 'Origin'), 'origin')
  t.equal(appendVary('Cookie, *', 'Origin'), '*')
  t.equal(appendVary('*', 'Origin'), '*')
  t.equal(appendVary('', 'Origin'), 'Origin')
})
