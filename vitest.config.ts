import { defineConfig } from 'vitest/config';

// The embedded run takes every test; the PostgreSQL run takes only the ones that touch a
// database (*.db.test.ts), since the rest do not depend on the backend.
const postgres = process.env.NOETL_TEST_BACKEND === 'postgres';

export default defineConfig({
  test: {
    include: postgres ? ['test/**/*.db.test.ts'] : ['test/**/*.test.ts'],
    // A scratch directory and a name for the run, for what the workers keep open (test/helpers/database-pool.ts).
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Commands open the embedded database in process unless a test asks for the agent
    // (test/agent/): a test's data directory is used once, so an agent would only add a process.
    env: { NOETL_EMBEDDED_AGENT: 'off' },
    // Processes, not threads: the embedded store sets the process umask (main thread only) and
    // some tests change the working directory of the CLI they run.
    pool: 'forks',
    // Two cores: one worker each.
    maxWorkers: 2,
    // A worker runs file after file in one process, keeping its loaded modules (the built CLI
    // that runCli runs in process, PGlite, the test helpers): a fresh process per file cost a
    // third of the CPU time of the non-database tests (measured on test/lint + test/core: 33 s
    // → 21 s of CPU). Tests therefore must not leave process-wide state behind: process.env,
    // the working directory, listeners on process (runCli passes env as a parameter).
    isolate: false,
  },
});
