// One test command for the whole repository; database tests run on PGlite and, with TEST_DATABASE_URL, on PostgreSQL.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'datagen/src/**/*.test.ts',
            'server/src/**/*.test.ts',
            'server/test/**/*.test.ts',
            'mightycall-sim/src/**/*.test.ts',
            'bench/**/*.test.ts',
          ],
          exclude: ['server/test/deploy/**', '**/node_modules/**'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 120_000,
          pool: 'forks',
        },
      },
      {
        // nginx (deploy/nginx.conf) in front of two server processes on the local PostgreSQL: one file at a time.
        test: {
          name: 'deploy',
          include: ['server/test/deploy/**/*.test.ts'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 180_000,
          pool: 'forks',
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 300_000,
          pool: 'forks',
          fileParallelism: false,
        },
      },
    ],
  },
});
