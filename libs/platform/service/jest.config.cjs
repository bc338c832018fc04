module.exports = { ...require('../../../jest.preset.cjs'), displayName: 'platform-service', rootDir: __dirname, testTimeout: 60000 };
