export * from './lib/platform-token';
export * from './lib/signing-ca';
