module.exports = { ...require('../../jest.preset.cjs'), displayName: 'deploy-secrets', rootDir: __dirname };
