module.exports = { ...require('../../jest.preset.cjs'), displayName: 'cluster-agent', rootDir: __dirname, testTimeout: 60000 };
