// ESLint: @eslint/js and typescript-eslint's recommended rules over our TypeScript and scripts, and lines of at
// most 120 characters with no exception (Prettier, .prettierrc.json, formats the code to that width; what it
// cannot wrap, a comment or a long literal, is this rule's to report, and is split by hand: a message as a
// concatenation, a regular expression as `new RegExp` of raw strings). `npm run lint` runs both; `npm test`
// runs it first.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'out/',
      'bench/results/',
      'bench/.cache/',
      'test-artifacts/',
      'train/.work/',
      'models/',
      '.tmp/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        Buffer: 'readonly',
        __dirname: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setImmediate: 'readonly',
        performance: 'readonly',
        URL: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
      },
    },
    rules: {
      'no-empty': ['error', { allowEmptyCatch: true }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          caughtErrors: 'none',
        },
      ],
      'max-len': ['error', { code: 120 }],
    },
  },
  // tests read the CLI's JSON output, parsed as they go
  { files: ['test/**'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
);
