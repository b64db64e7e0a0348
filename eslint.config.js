import neostandard from 'neostandard'
import importX from 'eslint-plugin-import-x'
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript'

// lib/ in stages, lowest first: each may import only the stages before it, so the import graph
// runs one way (README, Development). `browser` (the Fetch model, `check`) needs none of the others.
const STAGES = ['shared', 'browser', 'origins', 'config', 'serve', 'guard', 'explain', 'inspector']

export default [
  ...neostandard({ ts: true, ignores: ['dist/**', 'coverage/**', '.tap/**', 'node_modules/**', '.stryker-tmp/**', 'reports/**'] }),
  {
    files: ['lib/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver()],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/extensions': ['.ts']
    },
    rules: {
      'import-x/no-cycle': 'error',
      'import-x/no-restricted-paths': ['error', {
        zones: STAGES.map((stage, i) => ({
          target: `./lib/${stage}`,
          from: [...STAGES.slice(i + 1).map((later) => `./lib/${later}`), './lib/index.ts'],
          message: `lib/${stage} may import only ${STAGES.slice(0, i).map((s) => `lib/${s}`).join(', ') || 'packages'} (README, Development)`
        }))
      }]
    }
  }
]
