import { MigrationInterface } from 'typeorm';

/** This service's own migrations, oldest first; the platform's (outbox, processed events) are added by the platform. */
export const proxyMigrations: Array<new () => MigrationInterface> = [];

/** This service's own entities. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- TypeORM takes entity classes as plain constructors
export const proxyEntities: Function[] = [];
