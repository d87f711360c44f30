import { defineConfig } from 'vitest/config';

// The embedded run takes every test; the PostgreSQL run takes only the ones that touch a
// database (*.db.test.ts), since the rest do not depend on the backend.
const postgres = process.env.NOETL_TEST_BACKEND === 'postgres';

export default defineConfig({
  test: {
    include: postgres ? ['test/**/*.db.test.ts'] : ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
