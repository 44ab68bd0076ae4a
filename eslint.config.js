// ESLint for the whole repository (`npm run lint`, run by CI). The rules are the few that catch real
// defects here, not style: a promise nobody awaits (an unhandled rejection in a user's training
// process), console output from library code (libraries report through onError or
// process.emitWarning), and import cycles between files (they break the one-way layering).
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: ['**/dist/**', '**/node_modules/**', '**/web-dist/**', 'docs/api/**', 'mlruns/**', 'test-artifacts/**', '**/*.js', '**/*.mjs', '**/*.cjs'],
  },
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { project: ['./packages/*/tsconfig.json', './packages/*/web/tsconfig.json', './tsconfig.test.json'], tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin, 'import-x': importX },
    // Resolves `./x.js` to `./x.ts` and workspace packages through their `source` condition, so
    // no-cycle sees the real import graph.
    settings: {
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
      'import-x/extensions': ['.ts', '.tsx', '.js'],
      'import-x/resolver-next': [
        createTypeScriptImportResolver({ conditionNames: ['source', 'types', 'import', 'default'], project: ['packages/*/tsconfig.json', 'tsconfig.test.json'], noWarnOnMultipleProjects: true }),
      ],
    },
    rules: {
      // node:test's describe/it return promises that the runner itself awaits.
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }] },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    // Library code talks to users through onError and process.emitWarning, never the console.
    files: ['packages/*/src/**/*.ts'],
    ignores: ['packages/runlog/src/cli.ts', 'packages/runlog/src/cli/**', 'packages/runlog/src/commands/**'],
    rules: { 'no-console': 'error' },
  },
);
