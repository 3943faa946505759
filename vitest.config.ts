import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 120_000,
    // End-to-end tests start whole labs; two cores are shared, so keep parallelism modest.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
