// npm run test:mutation [-- folder ...] runs this once per folder of lib/ (scripts/mutation.mjs
// sets STRYKER_FOLDER). Not part of npm test: a folder takes tens of minutes on two cores.
//
// Each folder's mutants are judged by the tests that mirror it plus the plugin-level tests that
// exercise it through Fastify. A mutant only some other folder's tests would catch counts as
// survived: the score is the folder's own proof, not the whole suite's. Each mutant runs only the
// listed files that reach it (perTest: a tap file is one test), and a rerun tests only what changed
// since that folder's incremental file.
const plugin = ['test/index.test.ts', 'test/security.test.ts']
const tests = {
  // The compiled policy is read by the request path: serve's tests judge it too.
  config: ['test/config/*.test.ts', 'test/scope.test.ts', 'test/report-only.test.ts', 'test/origins/regexp-suffix.test.ts',
    'test/serve/actual.test.ts', 'test/serve/preflight.test.ts', 'test/guard/*.test.ts', 'test/logging.test.ts', ...plugin],
  serve: ['test/serve/*.test.ts', 'test/hostile.test.ts', 'test/model-check.test.ts', ...plugin],
  // regexp-safety.ts has its own run: its test times real attacks (about 40 s a run).
  origins: ['test/origins/!(regexp-safety).test.ts', 'test/model-check.test.ts', ...plugin],
  'origins/regexp-safety': ['test/origins/regexp-safety.test.ts'],
  guard: ['test/guard/*.test.ts', 'test/report-only.test.ts', ...plugin],
  shared: ['test/report-only.test.ts', 'test/logging.test.ts', 'test/config/validate.test.ts', ...plugin],
  browser: ['test/browser/*.test.ts'],
  explain: ['test/explain/*.test.ts'],
  inspector: ['test/inspector/*.test.ts']
}
const mutate = {
  origins: ['lib/origins/**/*.ts', '!lib/origins/regexp-safety.ts'],
  'origins/regexp-safety': ['lib/origins/regexp-safety.ts']
}

const folder = process.env.STRYKER_FOLDER ?? 'config'
if (!(folder in tests)) throw new Error(`STRYKER_FOLDER: one of ${Object.keys(tests).join(', ')}`)
const slug = folder.replace('/', '-')
// The tap runner passes this process's environment to each test file: tap's default 30 s per file
// is too short for regexp-safety.test.ts with a core busy, and a timeout would count as a kill.
process.env.TAP_TIMEOUT ??= '180'

export default {
  testRunner: 'tap',
  tap: { testFiles: tests[folder], nodeArgs: ['--import', 'tsx'], forceBail: true },
  mutate: mutate[folder] ?? [`lib/${folder}/**/*.ts`],
  coverageAnalysis: 'perTest',
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.mutation.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  incremental: true,
  incrementalFile: `reports/mutation/${slug}.incremental.json`,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: `reports/mutation/${slug}.json` },
  // Two test runners and the checker on a 2-core machine: the checker is idle once its groups are done.
  concurrency: 3,
  timeoutMS: 60000,
  tempDirName: `.stryker-tmp/${slug}`,
  ignorePatterns: ['dist', '.tap', 'coverage', 'reports', 'node_modules/.cache', 'test/engines', 'test/package', 'test/postgres', 'test/compat', 'demo', 'bench']
}
