export * from './lib/ports.mjs';
export * from './lib/wait-for';
export * from './lib/nats-server-process';
export * from './lib/service-process';
export * from './lib/test-database';
export * from './lib/browser-client';
export * from './lib/dev-idp-process';
