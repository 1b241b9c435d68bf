'use strict';
// Mocha's spec output, plus the counts written where scripts/run-tests.js reads them.
const fs = require('node:fs');
const Mocha = require('mocha');

class CountReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once('end', () => {
      const file = process.env.ZSCL_TEST_COUNTS;
      const { passes, failures, pending } = runner.stats;
      if (file) fs.writeFileSync(file, JSON.stringify({ passed: passes, failed: failures, pending }));
    });
  }
}

module.exports = CountReporter;
