export * from './lib/tunnel-protocol';
export * from './lib/pooled-http2-session';
