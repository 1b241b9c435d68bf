// Tests are TypeScript, run through tsx. Slow native/integration suites set their own timeouts.
module.exports = {
  'node-option': ['import=tsx'],
  extension: ['ts'],
  timeout: 60000,
  reporter: require.resolve('./test/support/count-reporter.cjs'),
};
