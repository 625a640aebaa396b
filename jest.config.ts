/** @jest-config-loader esbuild-register */
import type { Config } from 'jest';

// ESM TypeScript straight from source: swc strips types, jest runs the modules natively
// (npm test sets --experimental-vm-modules). Imports are written with `.js` suffixes as
// NodeNext requires, so the mapper points them back at the `.ts` files.
const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src', '<rootDir>/test', '<rootDir>/plugins'],
  testMatch: ['**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022', keepClassNames: true },
        module: { type: 'es6' },
        sourceMaps: 'inline',
      },
    ],
  },
  testTimeout: 30_000,
  maxWorkers: 2,
};

export default config;
