module.exports = { ...require('../../../jest.preset.cjs'), displayName: 'platform-config', rootDir: __dirname, testTimeout: 60000 };
