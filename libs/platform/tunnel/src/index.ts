export * from './lib/tunnel-protocol';
