// The plugin's field checks (lib/fields.ts, no TypeBox) against the TypeBox schemas users get from
// fastify-cors-policy/schema: both must accept and refuse the same values, field by field.
import { test } from 'tap'
import fc from 'fast-check'
import { Value } from '@sinclair/typebox/value'
import { FIELD_CHECKS, POLICY_FIELDS, REGISTRATION_FIELDS } from '../../lib/config/fields.js'
import { CorsOptionsSchema, CorsPolicySchema, RegistrationSchema } from '../../lib/config/schema.js'
import { OriginSet } from '../../lib/origins/origin-set.js'

test('the field lists are the schemas\' properties, in order', async (t) => {
  t.same(POLICY_FIELDS, Object.keys(CorsPolicySchema.properties))
  t.same(REGISTRATION_FIELDS, Object.keys(RegistrationSchema.properties))
  t.same(Object.keys(FIELD_CHECKS).sort(), Object.keys(CorsOptionsSchema.properties).sort())
})

// Values of every shape a field could be given, near the edges of each type.
const scalar = fc.oneof(
  fc.boolean(), fc.integer({ min: -5, max: 400 }), fc.double(), fc.constantFrom(NaN, Infinity, -0, 0.5, 86400, 199, 200, 299, 300),
  fc.string(), fc.constantFrom('*', 'auto', 'onRequest', 'preHandler', 'onSend', 'https://a.com', ''), fc.constant(null),
  fc.constant(/^https:\/\/a\.com$/), fc.constant(new OriginSet()), fc.constant(() => true), fc.object()
)
const value = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }))

test('each field check agrees with the TypeBox schema on 300 random values per field', async (t) => {
  for (const field of Object.keys(FIELD_CHECKS) as Array<keyof typeof FIELD_CHECKS>) {
    fc.assert(fc.property(field === 'reportOnly' ? fc.oneof(value, fc.record({ origin: value, maxAge: value }, { requiredKeys: [] })) : value, (v) => {
      const schema = CorsOptionsSchema.properties[field]
      if (field !== 'reportOnly') return FIELD_CHECKS[field](v) === Value.Check(schema, v)
      // A candidate's type is checked first (an object), its fields afterwards by the policy's own
      // checks (readPolicy() reads it as a policy): together they agree with the schema.
      const fieldsOk = FIELD_CHECKS.reportOnly(v) && Object.entries(v as object).every(([k, x]) =>
        (POLICY_FIELDS as string[]).includes(k) && k !== 'reportOnly' && (x === undefined || FIELD_CHECKS[k as keyof typeof FIELD_CHECKS](x)))
      return fieldsOk === Value.Check(schema, v)
    }), { numRuns: 300 })
    t.pass(field)
  }
})
