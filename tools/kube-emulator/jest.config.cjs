module.exports = {
  ...require('../../jest.preset.cjs'),
  displayName: 'kube-emulator',
  rootDir: __dirname,
  testTimeout: 60000,
};
