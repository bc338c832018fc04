module.exports = { ...require('../../jest.preset.cjs'), displayName: 'sa-provisioner', rootDir: __dirname, testTimeout: 60000 };
