export * from './lib/data-source';
export * from './lib/outbox';
export * from './lib/outbox-relay';
export * from './lib/outbox-message.entity';
export * from './lib/processed-event.entity';
export * from './lib/processed-event-log';
