// `npm run test:unit`: the tests beside the code (src/, web/src/), no database server and no PostgreSQL global
// setup (vitest.config.ts starts one for the whole run); none of these tests calls inject('postgresUrl').
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'web/src/**/*.test.ts'],
    testTimeout: 30_000,
    pool: 'forks',
  },
});
