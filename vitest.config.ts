import { defineConfig } from 'vitest/config';

/**
 * Two projects: `unit` needs no services and runs in seconds; `integration` (files named
 * *.int.test.ts) talks to the real stack, brought up once per run by the global setup.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.int.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.int.test.ts'],
          globalSetup: ['test/harness/global-setup.ts'],
          // Ceilings, not targets: on a busy 2-core machine a test waits for Kafka and PostgreSQL.
          testTimeout: 180_000,
          hookTimeout: 240_000,
        },
      },
    ],
  },
});
