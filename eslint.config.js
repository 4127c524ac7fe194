// ESLint (flat config): ESLint's recommended rules and typescript-eslint's `recommended` set (the
// syntactic one: it needs no type information, so a lint run does not type-check the project a
// second time; `npm run typecheck` does that). `npm run lint` runs it; .ci/run runs it before the
// tests.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'data/', 'coverage/', 'test-artifacts/'] },
  js.configs.recommended,
  // This also turns off, for .ts files only, the core rules the TypeScript compiler checks better
  // (no-undef, no-redeclare, …): part of typescript-eslint's recommended set, not a choice made here.
  tseslint.configs.recommended,
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Two deliberate kinds of unused binding, both spelt `_name` in this code: a parameter a
      // signature needs (Express tells an error handler by its four parameters, so `_next` must
      // stay), and a field left out of a copy (`const { revision: _r, ...rest } = row`).
      '@typescript-eslint/no-unused-vars': ['error', { args: 'after-used', argsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    // The service, its tests, scripts and migrations, and the config files run on Node.
    files: ['**/*.{ts,js,mjs,cjs}'],
    ignores: ['public/**'],
    languageOptions: { globals: globals.node },
  },
  {
    // public/*.js are served as they are to browsers, as ES modules (the iframe pages and the
    // dashboard). locale.js and repWording.js are imported by the server too: they use only
    // what both have (the language's own globals, Intl).
    files: ['public/**/*.js'],
    languageOptions: { sourceType: 'module', globals: globals.browser },
  },
);
