module.exports = { ...require('../../../jest.preset.cjs'), displayName: 'platform-messaging', rootDir: __dirname, testTimeout: 60000 };
