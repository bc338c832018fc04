export * from './lib/platform-token';
