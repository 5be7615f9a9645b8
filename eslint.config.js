// ESLint for the gateway: typescript-eslint's type-checked rules, plus those that catch a server's real bugs
// (a promise nobody awaits, an async callback where a sync one is expected, a switch that misses a case).
// Layout is Prettier's job (.prettierrc.json): nothing here is about formatting.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.ci/', 'bench/results/'] },
  js.configs.recommended,
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          // node:test's test() and describe() return promises that the runner itself awaits.
          allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] }],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      // Inside try/catch/finally, `return promise` without await skips the catch and runs the finally too early.
      '@typescript-eslint/return-await': ['error', 'error-handling-correctness-only'],
      '@typescript-eslint/require-array-sort-compare': ['error', { ignoreStringArrays: true }],
      '@typescript-eslint/no-misused-spread': 'error',
      '@typescript-eslint/no-deprecated': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-self-compare': 'error',
      'no-unreachable-loop': 'error',
      // A Promise-returning interface (a sink's send, a fake's http, a target's stop) is implemented with
      // `async` even when it has nothing to await, so that a throw inside is a rejection rather than an
      // exception in the caller's frame; the rule would ask for Promise.resolve wrappers that lose that.
      '@typescript-eslint/require-await': 'off',
      // The project's conventions for a value kept unused on purpose: `_name`, and `{ omitted, ...rest }`.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // Cases that share a body are listed together, each with its own comment saying why.
      'no-fallthrough': ['error', { allowEmptyCase: true }],
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', process: 'readonly' } },
  },
)
