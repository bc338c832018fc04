module.exports = { ...require('../../../jest.preset.cjs'), displayName: 'platform-tunnel', rootDir: __dirname };
