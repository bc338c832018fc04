export * from './lib/messaging-connection';
export * from './lib/event-publisher';
export * from './lib/durable-consumer';
export * from './lib/request-reply';
export * from './lib/stream-setup';
export * from './lib/messaging.errors';
export * from './lib/messaging-logger';
export * from './lib/message-headers';
