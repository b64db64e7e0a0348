import { FST_CORS_INVALID_OPTION, FST_CORS_INVALID_ORIGIN, FST_CORS_UNSAFE_POLICY } from './errors.js'

type Kind = typeof FST_CORS_INVALID_OPTION
/** Most severe first: a list of problems takes the code of its most severe one. */
const SEVERITY: Kind[] = [FST_CORS_UNSAFE_POLICY, FST_CORS_INVALID_ORIGIN, FST_CORS_INVALID_OPTION]

/**
 * Every problem of one policy, gathered so a registration is refused once with all of them: a
 * user migrating a config otherwise restarts once per option.
 */
export class Problems {
  private readonly found: Array<{ kind: Kind, text: string }> = []

  constructor (readonly where: string) {}

  /** A field has the wrong type, or is unknown. */
  invalid (text: string): void { this.found.push({ kind: FST_CORS_INVALID_OPTION, text }) }
  /** Well typed, but unsafe or meaningless. */
  unsafe (text: string): void { this.found.push({ kind: FST_CORS_UNSAFE_POLICY, text }) }
  /** An allow-list entry no browser sends. */
  origin (text: string): void { this.found.push({ kind: FST_CORS_INVALID_ORIGIN, text }) }

  /** Takes another's problems, each prefixed (a policy's `reportOnly` candidate: 'reportOnly: '). */
  adopt (other: Problems, prefix: string): void {
    for (const p of other.found) this.found.push({ kind: p.kind, text: prefix + p.text })
  }

  /** Throws one error naming every problem, one per line; nothing when there is none. */
  throwIfAny (): void {
    // Every registration calls this; the rest is outside, so it is compiled only when it throws.
    if (this.found.length > 0) throwAll(this.where, this.found)
  }
}

function throwAll (where: string, found: ReadonlyArray<{ kind: Kind, text: string }>): never {
  const Kind = SEVERITY.find((k) => found.some((p) => p.kind === k)) as Kind
  const text = found.length === 1
    ? found[0].text
    : `${found.length} problems:\n` + found.map((p) => `  - ${p.text}`).join('\n')
  throw new Kind(where, text)
}
