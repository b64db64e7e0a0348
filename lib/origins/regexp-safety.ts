import type { isSafePattern as IsSafePattern, RedosDetectorResult, RedosDetectorTrailEntrySide } from 'redos-detector'
import { ORIGIN_SHAPE } from './origin-pattern.js'
import { syntaxIndexes } from './origin-entry.js'
import type { Problems } from '../shared/problems.js'

/**
 * Whether an origin RegExp can backtrack super-linearly, judged by what it does: redos-detector
 * (pure JavaScript, no process of its own) walks every pair of paths through the pattern that
 * can read the same input, and calls a RegExp safe only when a failing match can take a bounded
 * number of them. It is loaded only when a registration has a RegExp that could backtrack at all.
 * Its verdict is deterministic: it counts steps, not time, so a policy accepted in CI is accepted
 * in production. The cost shown in a refusal is measured here, on the attack its trails give.
 */

/** Most steps an analysis may take (redos-detector's default); past it the RegExp is refused as not proven safe. */
export const ANALYSIS_STEPS = 20_000
/** Most paths a failing match may try (redos-detector's default score). */
export const ANALYSIS_SCORE = 200
/** A last guard in time, far above what ANALYSIS_STEPS takes (about 3 s at worst here). */
export const ANALYSIS_TIMEOUT = 30_000

/**
 * The cheapest RegExps need no analysis: without `*`, `+` or `{`, a RegExp tries at most 2^k
 * paths for k optional parts, and 2^8 is nothing. Such RegExps never load the analyser.
 */
function trivially (source: string): boolean {
  // A back-reference can make any RegExp slow: let the analyser judge it (an escaped backslash
  // before a digit reads as one too, which only costs an analysis).
  if (/\\[1-9k]/.test(source)) return false
  let optional = 0
  for (const i of syntaxIndexes(source)) {
    const c = source[i]
    if (c === '*' || c === '+' || c === '{') return false
    if (c === '?' && source[i - 1] !== '(') optional++
  }
  return optional <= 8
}

export type Verdict = RedosDetectorResult | { failed: string }

/** The analyser's verdict per source and flags: the same RegExp in many routes is analysed once. */
const verdicts = new Map<string, Promise<Verdict>>()

let isSafePattern: typeof IsSafePattern | null = null

const NAMED = /^\(\?<([A-Za-z_$][\w$]*)>/
const REFERENCE = /^\\k<([A-Za-z_$][\w$]*)>/

/**
 * The source with named groups numbered: the analyser's parser reads `(?<name>…)` and `\k<name>`
 * as errors, and a named group backtracks as a numbered one does.
 */
export function unnamed (source: string): string {
  const numbers = new Map<string, number>()
  let groups = 0
  for (const i of syntaxIndexes(source)) {
    if (source[i] !== '(') continue
    const named = NAMED.exec(source.slice(i))
    if (named !== null) numbers.set(named[1], ++groups)
    else if (source[i + 1] !== '?') groups++
  }
  if (numbers.size === 0) return source
  let out = ''
  let inClass = false
  for (let i = 0; i < source.length; i++) {
    const c = source[i]
    const rest = source.slice(i)
    const ref = c === '\\' && !inClass ? REFERENCE.exec(rest) : null
    const named = c === '(' && !inClass ? NAMED.exec(rest) : null
    if (ref !== null && numbers.has(ref[1])) {
      out += `\\${numbers.get(ref[1]) as number}`
      i += ref[0].length - 1
    } else if (named !== null) {
      out += '('
      i += named[0].length - 1
    } else if (c === '\\') {
      out += source.slice(i, i + 2)
      i++
    } else {
      if (inClass) inClass = c !== ']'
      else if (c === '[') inClass = true
      out += c
    }
  }
  return out
}

async function analyse (re: RegExp, steps: number, timeout: number): Promise<Verdict> {
  const key = `/${re.source}/${re.flags} ${steps} ${timeout}`
  let verdict = verdicts.get(key)
  if (verdict === undefined) {
    // A dynamic import, so bundlers still see it; apps without RegExps never pay for it.
    // Stored before anything is awaited, so concurrent registrations share one analysis.
    verdict = (async () => {
      // c8 reports a branch on this line that is not in the source (the transpiled import()).
      /* c8 ignore next */
      isSafePattern ??= (await import('redos-detector')).isSafePattern
      try {
        const flags = new Set(re.flags.replace(/[dgimsuy]/g, ''))
        if (flags.size > 0) throw new Error(`Unsupported flag: ${[...flags].join('')}`)
        return isSafePattern(unnamed(re.source), {
          caseInsensitive: re.ignoreCase,
          dotAll: re.dotAll,
          multiLine: re.multiline,
          unicode: re.unicode,
          maxSteps: steps,
          maxScore: ANALYSIS_SCORE,
          timeout
        })
      } catch (err) {
        // Flags and syntax it does not read (the v flag, for one).
        return { failed: (err as Error).message }
      }
    })()
    verdicts.set(key, verdict)
  }
  return await verdict
}

/** An input that makes a failing match try many paths: prefix + pump × n + suffix. */
export interface Attack { prefix: string, pump: string, suffix: string }

const attackString = (a: Attack, repeat: number): string => a.prefix + a.pump.repeat(repeat) + a.suffix

/**
 * Time of one `re.test(input)`, in milliseconds: the faster of two runs, so that a pause of the
 * machine's (a GC, another process) does not read as the RegExp's own growth.
 */
function timed (re: RegExp, input: string): number {
  let best = Infinity
  for (let i = 0; i < 2; i++) {
    const started = process.hrtime.bigint()
    re.test(input)
    best = Math.min(best, Number(process.hrtime.bigint() - started) / 1e6)
  }
  return best
}

/**
 * Times the attack, growing it by an eighth (one pump at least) until one test takes over
 * `enough` ms or the next would pass the longest Origin tested: a refused RegExp's message says
 * what it costs here, not in theory. A step whose predicted time (the last step's growth) passes
 * 16 times `enough` is not taken, so a long pump that multiplies the time cannot hang the check.
 * Also returns the time one pump fewer took, which tells how the time grows.
 */
export function measureAttack (re: RegExp, attack: Attack, enough = 10, longest = 1024): { repeat: number, input: string, ms: number, before: number } {
  let repeat = 1
  let input = attackString(attack, repeat)
  let ms = timed(re, input)
  let growth = 1
  let step = 1
  while (ms < enough) {
    const next = Math.max(1, repeat >> 3)
    if (attack.prefix.length + attack.suffix.length + (repeat + next) * attack.pump.length > longest) break
    if (ms * growth ** (next / step) > enough * 16) break
    const last = ms
    repeat += next
    step = next
    input = attackString(attack, repeat)
    ms = timed(re, input)
    growth = Math.max(1, ms / Math.max(last, 0.01))
  }
  const before = repeat > 1 ? timed(re, attackString(attack, repeat - 1)) : ms
  return { repeat, input, ms, before }
}

// Characters tried, in order, for each step of a trail: those of host names first.
const CANDIDATES = [...'abcdefghijklmnopqrstuvwxyz0123456789-._', ...Array.from({ length: 94 }, (_, i) => String.fromCharCode(33 + i))]
// Suffixes that fail a match, tried in order: the end of the Origin (an attack the shape guard
// lets through), then characters no host has and `.` does not match.
const FAILING = ['', '!', '\n', '\u0000']

/** A character both sides of a trail step read, or null. */
function shared (a: RedosDetectorTrailEntrySide, b: RedosDetectorTrailEntrySide, flags: string): string | null {
  try {
    const ra = new RegExp(`^(?:${a.node.source})$`, flags)
    const rb = a.node.source === b.node.source ? ra : new RegExp(`^(?:${b.node.source})$`, flags)
    return CANDIDATES.find((c) => ra.test(c) && rb.test(c)) ?? null
  /* c8 ignore start */
  } catch {
    // The analyser reports atoms (a back-reference as the atoms of its group), each an expression
    // alone; were one ever not (a new node kind), its trail is skipped, not the registration crashed.
    return null
  }
  /* c8 ignore stop */
}

function sameStep (a: RedosDetectorTrailEntrySide, b: RedosDetectorTrailEntrySide): boolean {
  return a.node.start.offset === b.node.start.offset &&
    a.quantifierIterations.map((q) => q.iteration).join() === b.quantifierIterations.map((q) => q.iteration).join()
}

/**
 * The attacks a verdict's trails suggest: each trail is one input read two ways; the part after
 * the two ways part is the pump. The analyser's pattern may carry a prefix of its own
 * (`[^]*?` for what it downgraded), so only trails are read, never offsets into the source.
 */
function attacksOf (re: RegExp, verdict: RedosDetectorResult): Attack[] {
  const flags = re.flags.replace(/[gy]/g, '')
  const found: Attack[] = []
  for (const { trail } of verdict.trails.slice(0, 8)) {
    const chars = trail.map((step) => shared(step.a, step.b, flags))
    if (chars.includes(null)) continue
    const split = trail.findIndex((step) => !sameStep(step.a, step.b))
    const prefix = chars.slice(0, split).join('')
    const rest = chars.slice(split).join('')
    // Pumps of one or two characters only: a longer pump can multiply a match's time by
    // thousands from one repetition to the next, before any growth has been seen.
    for (const pump of new Set([...rest, rest.slice(0, 2)])) {
      const suffix = FAILING.find((f) => !re.test(prefix + pump.repeat(4) + f))
      if (suffix !== undefined) found.push({ prefix, pump, suffix })
    }
  }
  return found
}

/** The strongest attack: the one that reaches 1 ms with the shortest input. */
function strongest (re: RegExp, attacks: Attack[]): { attack: Attack, measured: ReturnType<typeof measureAttack> } | null {
  let best: { attack: Attack, measured: ReturnType<typeof measureAttack> } | null = null
  for (const attack of attacks) {
    const measured = measureAttack(re, attack, 1)
    if (best === null || (measured.ms >= 1 && (best.measured.ms < 1 || measured.input.length < best.measured.input.length)) ||
      (measured.ms < 1 && best.measured.ms < 1 && measured.ms > best.measured.ms)) best = { attack, measured }
  }
  return best
}

/** A long attack as an expression: 'https://' + 'a'.repeat(300) + '!'. */
function written (attack: Attack, repeat: number, input: string): string {
  const literal = (s: string): string => `'${s.replace(/\n/g, '\\n').replace(/\0/g, '\\0')}'`
  if (input.length <= 64) return literal(input)
  const parts = [literal(attack.prefix), `${literal(attack.pump)}.repeat(${repeat})`, literal(attack.suffix)]
  return parts.filter((part) => part !== "''").join(' + ')
}

/**
 * The origin pattern a subdomain RegExp can be written as, when its shape says so:
 * /^https:\/\/([a-z0-9-]+\.)+example\.com$/ -> 'https://*.example.com'. Null otherwise.
 */
export function patternFor (re: RegExp): string | null {
  // The repeated part must end right before the literal domain's dot.
  const found = /^\^(https?)(\?)?:\\\/\\\/(.*[*+])\\\.((?:[a-z0-9-]+\\\.)*[a-z0-9-]+)\$$/.exec(re.source)
  if (found === null) return null
  const domain = found[4].replaceAll('\\.', '.')
  return found[2] === '?' ? `'http://*.${domain}', 'https://*.${domain}'` : `'${found[1]}://*.${domain}'`
}

export function duration (ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`
  return ms < 7_200_000 ? `${Math.round(ms / 60_000)} min` : `${Math.round(ms / 3_600_000)} h`
}

/**
 * What the attack costs here, and how it grows: one pump more doubling the time (or nearly) is
 * exponential; otherwise the time at twice the repetitions gives the degree of the polynomial.
 */
function cost (re: RegExp, attack: Attack): string {
  const { repeat, input, ms, before } = measureAttack(re, attack)
  const ratio = ms / Math.max(before, 1e-3)
  const shape = ORIGIN_SHAPE.test(input) ? '' : ' (this one is not origin-shaped, so the shape guard stops it, but others are)'
  const shown = `the Origin ${written(attack, repeat, input)} (${input.length} characters) took ${ms.toFixed(0)} ms to test here`
  // A quarter of the repetitions: a polynomial's time falls by 4^degree, an exponential's far
  // more. Timed, so an estimate: the fastest of three runs, over a factor of 4 rather than 2, so
  // a busy machine moves it less.
  const quarter = Math.min(...[0, 1, 2].map(() => timed(re, attackString(attack, Math.max(1, repeat >> 2)))))
  const degree = Math.max(2, Math.round(Math.log(ms / Math.max(quarter, 1e-3)) / Math.log(4)))
  // One pump more than doubles a polynomial's time only below a few repetitions; a "degree" past
  // 6 at these lengths is no polynomial either.
  if (ms >= 1 && repeat >= 6 && (ratio >= 1.5 || degree > 6)) {
    return `it can backtrack exponentially, so one crafted Origin can block the server: ${shown}, and each added '${attack.pump}' ` +
      `multiplies it by about ${Math.max(ratio, 1.5).toFixed(1)} (ten more: about ${duration(ms * Math.max(ratio, 1.5) ** 10)})${shape}`
  }
  return `it can backtrack in polynomial time (about degree ${degree}, as measured here), so long Origins cost far more than their length: ${shown}, ` +
    `and time grows with about the length to the power ${degree} (at 1,024 characters: about ${duration(ms * (1024 / input.length) ** degree)})${shape}`
}

function instead (re: RegExp): string {
  const pattern = patternFor(re)
  return pattern === null
    ? 'repeat only parts that cannot overlap, e.g. /^https:\\/\\/([a-z0-9-]+\\.)+example\\.com$/, or use an origin pattern'
    : `write the origin pattern ${pattern} instead`
}

/** Why the analysis could not prove the RegExp safe, when it stopped short of a verdict. */
function unproven (verdict: Verdict, steps: number, timeout: number): string | null {
  if ('failed' in verdict) return `failed (${verdict.failed})`
  if (verdict.error === 'hitMaxSteps') return `did not finish within ${steps.toLocaleString('en-US')} steps`
  if (verdict.error === 'timedOut') return `did not finish within ${duration(timeout)}`
  return null
}

/**
 * Reports the RegExps that can backtrack super-linearly: any input a failing match can read in
 * unboundedly many ways. Each entry reports to its own Problems, prefixed with `where` when
 * several routes share one.
 */
export async function checkBacktracking (entries: Array<{ re: RegExp, problems: Problems, where?: string }>, steps = ANALYSIS_STEPS, timeout = ANALYSIS_TIMEOUT): Promise<void> {
  const pending = entries.filter((e) => !trivially(e.re.source))
  const results = await Promise.all(pending.map(async (e) => await analyse(e.re, steps, timeout)))
  for (let i = 0; i < pending.length; i++) {
    const { re, problems, where } = pending[i]
    const name = `${where === undefined ? '' : `${where}: `}origin ${String(re)}`
    const verdict = results[i]
    if (!('failed' in verdict) && verdict.safe) continue
    const why = unproven(verdict, steps, timeout)
    const found = 'failed' in verdict ? null : strongest(re, attacksOf(re, verdict))
    if (why !== null) {
      // What the trails found before the analysis stopped, when it is slow for real.
      const shown = found !== null && found.measured.ms >= 1 ? `; its trails give an attack: ${cost(re, found.attack)}` : ''
      problems.unsafe(`${name} could not be proven free of catastrophic backtracking: the analysis ${why}${shown}; ${instead(re)}`)
      continue
    }
    // Without an attack (no trail spelled in the characters tried), the refusal stands on the analysis alone.
    const what = found === null ? 'it can read one input in unboundedly many ways, so a crafted Origin can make a failing match slow' : cost(re, found.attack)
    problems.unsafe(`${name} is refused: ${what}; ${instead(re)}`)
  }
}
