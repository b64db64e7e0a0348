import type { Diagnostics } from 'recheck'
import { ORIGIN_SHAPE } from './origin-pattern.js'
import { syntaxIndexes } from './origin-entry.js'
import type { Problems } from '../shared/problems.js'

/**
 * Whether an origin RegExp can backtrack catastrophically, judged by what it does: recheck's
 * automaton analysis (with fuzzing for RegExps too large for it) finds the inputs that make a
 * backtracking matcher take exponential or polynomial time, and gives one. recheck is loaded
 * only when a registration has a RegExp that could backtrack at all.
 */

/** Longest an analysis may take; past it the RegExp is refused as not proven safe. */
export const ANALYSIS_TIMEOUT = 2000

/**
 * The cheapest RegExps need no analysis: without `*`, `+` or `{`, a RegExp tries at most 2^k
 * paths for k optional parts, and 2^8 is nothing. Such RegExps never load recheck.
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

/** recheck's verdict per source and flags: the same RegExp in many routes is analysed once. */
const verdicts = new Map<string, Promise<Diagnostics>>()

async function analyse (re: RegExp, timeout: number): Promise<Diagnostics> {
  const key = `/${re.source}/${re.flags} ${timeout}`
  let verdict = verdicts.get(key)
  if (verdict === undefined) {
    // A dynamic import, so bundlers still see it; apps without RegExps never pay for it.
    // Stored before anything is awaited, so concurrent registrations share one analysis.
    // c8 reports one branch on this line that is not in the source (the transpiled import()); both paths of ours are tested.
    /* c8 ignore next */
    verdict = import('recheck').then(async (recheck) => await recheck.check(re.source, re.flags, { timeout, randomSeed: 1 }))
    verdicts.set(key, verdict)
  }
  return await verdict
}

type Attack = Extract<Diagnostics, { status: 'vulnerable' }>['attack']

function attackString (attack: Attack, repeat: number): string {
  return attack.pumps.map((p) => p.prefix + p.pump.repeat(repeat)).join('') + attack.suffix
}

/** Time of one `re.test(input)`, in milliseconds. */
function timed (re: RegExp, input: string): number {
  const started = process.hrtime.bigint()
  re.test(input)
  return Number(process.hrtime.bigint() - started) / 1e6
}

/**
 * Times the attack, growing it from one repetition until one test takes over `enough` ms or the
 * next would pass the longest Origin tested: a refused RegExp's message says what it costs here,
 * not in theory. Each step at most doubles the time (exponential: one more repetition) or
 * multiplies it by 2^degree (polynomial: twice the repetitions), so the last run stays short.
 */
export function measureAttack (re: RegExp, attack: Attack, exponential: boolean, enough = 10, longest = 1024): { repeat: number, input: string, ms: number } {
  let repeat = 1
  let input = attackString(attack, repeat)
  let ms = timed(re, input)
  while (ms < enough) {
    const more = exponential ? repeat + 1 : repeat * 2
    const next = attackString(attack, more)
    if (next.length > longest) break
    repeat = more
    input = next
    ms = timed(re, input)
  }
  return { repeat, input, ms }
}

/** A long attack as an expression: 'https://' + 'a'.repeat(300) + '!'. */
function written (attack: Attack, repeat: number, input: string): string {
  if (input.length <= 64) return `'${input}'`
  const parts = [...attack.pumps.flatMap((p) => [`'${p.prefix}'`, `'${p.pump}'.repeat(${repeat})`]), `'${attack.suffix}'`]
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

function cost (re: RegExp, diagnostics: Extract<Diagnostics, { status: 'vulnerable' }>): string {
  const exponential = diagnostics.complexity.type === 'exponential'
  const { repeat, input, ms } = measureAttack(re, diagnostics.attack, exponential)
  const pump = diagnostics.attack.pumps.map((p) => p.pump).join('')
  const degree = (diagnostics.complexity as { degree?: number }).degree ?? 0
  const growth = exponential
    ? `each added '${pump}' doubles it (ten more: about ${duration(ms * 1024)})`
    : `time grows with the length to the power ${degree} (at 1,024 characters: about ${duration(ms * (1024 / input.length) ** degree)})`
  const shape = ORIGIN_SHAPE.test(input) ? '' : ' (this one is not origin-shaped, so the shape guard stops it, but others are)'
  return `the Origin ${written(diagnostics.attack, repeat, input)} (${input.length} characters) took ${ms.toFixed(0)} ms to test here, and ${growth}${shape}`
}

function instead (re: RegExp): string {
  const pattern = patternFor(re)
  return pattern === null
    ? 'repeat only parts that cannot overlap, e.g. /^https:\\/\\/([a-z0-9-]+\\.)+example\\.com$/, or use an origin pattern'
    : `write the origin pattern ${pattern} instead`
}

/**
 * Reports the RegExps that can backtrack catastrophically: exponential, or polynomial of degree 3
 * or more. A quadratic one is accepted: the shape guard caps what it sees at 1,024 characters,
 * where it costs about a millisecond (bench/README.md). Each entry reports to its own Problems,
 * prefixed with `where` when several routes share one.
 */
export async function checkBacktracking (entries: Array<{ re: RegExp, problems: Problems, where?: string }>, timeout = ANALYSIS_TIMEOUT): Promise<void> {
  const pending = entries.filter((e) => !trivially(e.re.source))
  const results = await Promise.all(pending.map(async (e) => await analyse(e.re, timeout)))
  for (let i = 0; i < pending.length; i++) {
    const { re, problems, where } = pending[i]
    const name = `${where === undefined ? '' : `${where}: `}origin ${String(re)}`
    const result = results[i]
    if (result.status === 'safe') continue
    if (result.status === 'unknown') {
      // Every kind but timeout carries a message (cancel, the other one, is never asked for).
      const why = result.error.kind === 'timeout' ? `did not finish within ${timeout} ms` : `failed (${(result.error as { message: string }).message})`
      problems.unsafe(`${name} could not be proven free of catastrophic backtracking: the analysis ${why}; ${instead(re)}`)
      continue
    }
    if (result.complexity.type === 'polynomial' && result.complexity.degree < 3) continue
    const kind = result.complexity.type === 'exponential' ? 'exponentially' : `in time polynomial of degree ${result.complexity.degree}`
    problems.unsafe(`${name} can backtrack ${kind}, so one crafted Origin can block the server: ` +
      `${cost(re, result)}; ${instead(re)}`)
  }
}
