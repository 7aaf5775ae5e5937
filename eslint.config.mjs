// ESLint (flat config): typescript-eslint's recommended rules everywhere, the React hooks rules for
// the admin panel and the example, Node globals for scripts and tests. Formatting is Prettier's.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: [
      'playground/public/demo/app.js',
      '**/dist/**',
      '**/node_modules/**',
      '**/.next/**',
      'playground/**',
      'tests/fixtures/**',
      '**/*.d.ts',
      '**/.cache/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      // `any` is used deliberately at Strapi's untyped seams (knex rows, koa context, GraphQL resolvers).
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-empty': ['error', { allowEmptyCatch: true }],
      // An empty interface that modules augment (services/registry.ts) is the point, not a mistake.
      '@typescript-eslint/no-empty-object-type': ['error', { allowInterfaces: 'always' }],
    },
  },
  {
    files: ['**/*.{js,cjs}', 'tests/**/*.ts'],
    // CommonJS scripts, and tests that load Strapi's CommonJS build on purpose.
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['admin/src/**/*.{ts,tsx}', 'examples/nextjs/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'error' },
  }
);
