module.exports = { ...require('../../jest.preset.cjs'), displayName: 'kubeconfig-issuer', rootDir: __dirname, testTimeout: 60000 };
