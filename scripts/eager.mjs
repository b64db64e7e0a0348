// V8 compiles a function the first time it is called, unless its source is a function expression
// in parentheses, which it compiles with the script (the "PIFE" heuristic). A registration runs
// the plugin's startup code once, cold, and compiling it then was the largest part of what build
// + ready cost beyond bare Fastify (bench/README.md, cold start). The functions below are those
// that a registration and its routes run (exact origins, '*', a function, route policies), and no
// others. Wrapping them moves their compilation into the import, where the script is compiled
// anyway: import + build + ready together cost less (1452.8 against 1455.9 million instructions
// for the whole process, 20.3 against 20.8 ms, medians of 31 processes, measured on the commit
// that added this; bench/README.md, cold start, has today's numbers). test/package/eager.test.ts
// holds the list to V8's log of first calls (`--log-function-events`) over those registrations.
export const STARTUP = [
  // lib/index.ts
  'corsPolicy', 'onRoute', 'addRoute', 'routePolicy', 'declaredPolicy', 'routeLabel', 'compile', 'toList',
  'corsPreflightScope', 'atReady', 'checkAtReady', 'decorateDecision', 'takesWrites', 'guardsWrites',
  // lib/config/
  'readPolicy', 'fromFastifyCors', 'checkMerged', 'mergePolicy', 'compilePolicy', 'regExpsOf',
  'suffixEntries', 'insecureOrigins', 'originList', 'allOrigins', 'stateless', 'candidateOf', 'crossOriginWrites',
  // lib/origins/
  'checkOriginEntry', 'plainlySerialised', 'compileOrigin', 'fromCallback',
  // lib/serve/
  'pathTable', 'pathEntry', 'plainKey', 'isParam', 'addSegments', 'newNode',
  'newEntry', 'addMethod', 'policyOf', 'preflightStrategy', 'preflightStore', 'storeGet', 'storeSet',
  'preflightHook', 'findUncovered',
  'routerNeeded', 'originHook',
  // lib/shared/, lib/browser/
  'checkFastify', 'engineNotes'
]

/**
 * Wraps each top-level function named in `names` in parentheses, in esbuild's output for
 * CommonJS: `function f(…) {…}` becomes `var f = (function f(…) {…});` and
 * `var f = async function f2(…) {…};` becomes `var f = (async function f2(…) {…});`. Lines stay
 * where they are, so the source map holds. The bundle calls none of them while it loads, so the
 * hoisting a declaration had is not needed (a test imports the build). Throws if a name is not
 * found: a renamed function must not silently fall off the list.
 */
export function compileEagerly (bundle, names) {
  const lines = bundle.split('\n')
  const missing = new Set(names)
  for (let i = 0; i < lines.length; i++) {
    const declared = /^(async )?function (\w+)\(/.exec(lines[i])
    const assigned = /^var (\w+) = (async )?function \w+\(/.exec(lines[i])
    const name = declared?.[2] ?? assigned?.[1]
    if (name === undefined || !missing.has(name)) continue
    const close = assigned === null ? '}' : '};'
    const end = lines.indexOf(close, i)
    if (end === -1) throw new Error(`scripts/eager.mjs: the end of ${name} was not found`)
    lines[i] = assigned === null ? `var ${name} = (${lines[i]}` : lines[i].replace(' = ', ' = (')
    lines[end] = '});'
    missing.delete(name)
    i = end
  }
  if (missing.size > 0) throw new Error(`scripts/eager.mjs: not found in the bundle: ${[...missing].join(', ')}; update STARTUP`)
  return lines.join('\n')
}
