// solidity-coverage: instrument the deployable contracts only; test-only mocks are not product code.
module.exports = {
  skipFiles: ["test/"],
  istanbulReporter: ["text", "json-summary", "lcov"],
  mocha: { timeout: 300_000 },
};
