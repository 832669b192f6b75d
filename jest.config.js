/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  // Many suites wait on child processes (npm, tsc, Prometheus): two workers keep both cores busy.
  maxWorkers: 2,
  // Some tests run whole searches or a Pulumi program under mocks: seconds alone, several times
  // that when both cores are busy. A minute still ends a test that hangs.
  testTimeout: 60_000,
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
};
