import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Native builds and large fixtures: keep workers few on 2-core machines.
    maxWorkers: 2,
  },
});
