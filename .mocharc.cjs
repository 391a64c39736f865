// One mocha run covers every package, so the real Redis and PostgreSQL that the
// global setup starts are shared by all tests (each test takes its own database / prefix).
// `npx mocha path/to/one.test.ts` runs just that file.
const namesFiles = process.argv.slice(2).some((arg) => /\.test\.ts$/.test(arg));

module.exports = {
  import: 'tsx',
  require: ['packages/test-helpers/dist/mocha-global.js'],
  ...(namesFiles ? {} : { spec: ['packages/*/test/**/*.test.ts', 'processors/*/test/**/*.test.ts'] }),
  reporter: 'packages/test-helpers/summary-reporter.cjs',
  timeout: 30000,
  exit: true,
};
