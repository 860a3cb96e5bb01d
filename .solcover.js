// solidity-coverage: instrument the deployable contracts only; test-only mocks are not product code.
module.exports = {
  skipFiles: ["test/"],
  istanbulReporter: ["text", "json-summary", "lcov"],
  mocha: { timeout: 300_000 },
  // OpenZeppelin's P256 (used by PatientAccount) is "stack too deep" without the optimizer, which coverage turns off:
  // its Yul optimizer alone (no inlining or reordering of the instrumented Solidity) compiles it.
  configureYulOptimizer: true,
  solcOptimizerDetails: {
    peephole: false,
    inliner: false,
    jumpdestRemover: false,
    orderLiterals: true,
    deduplicate: false,
    cse: false,
    constantOptimizer: false,
    yul: true,
  },
};
