import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The app card's tests (src/appCard/*.test.tsx) render React with the automatic JSX runtime, as
  // the card's tsconfig says (the root tsconfig leaves the card out, so say it here).
  oxc: { jsx: { runtime: 'automatic' } },
  test: {
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'test/**/*.test.ts'],
    // Integration tests start an embedded PostgreSQL (PGlite) per file: a few seconds each.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
