// Shared by every project's jest.config.cjs. Everything is transformed by SWC because
// it keeps decorator metadata (Nest's DI needs it) and is fast on a 2-core machine.
const path = require('node:path');
const { pathsToModuleNameMapper } = require('./tools/jest/paths.cjs');

// ESM-only packages that jest (CommonJS) must transform; everything else in
// node_modules is loaded as is.
const esmPackages = [
  // NestJS 12 ships ES modules only.
  '@nestjs',
  '@as-integrations',
  '@kubernetes/client-node',
  'openid-client',
  'oauth4webapi',
  'jose',
  'jsonpath-plus',
  'js-yaml',
  'socks-proxy-agent',
  'agent-base',
  'http-proxy-agent',
  'https-proxy-agent',
];

const swcOptions = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.(t|mj|j)s$': ['@swc/jest', swcOptions],
  },
  transformIgnorePatterns: [`node_modules/(?!(${esmPackages.join('|')})/)`],
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  moduleNameMapper: pathsToModuleNameMapper(path.join(__dirname, 'tsconfig.base.json')),
  testMatch: ['**/?(*.)+(spec).ts'],
};
